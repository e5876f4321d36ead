import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import t from "tap";
import { buildGateway, startSims } from "../../helpers/gateway.ts";
import { dropAdapter, modelsOf, registerLora, writeAdapter } from "./promotion-fixtures.ts";

t.test("a replica that lost the champion's adapter (a vLLM restart) gets it back", async (t) => {
  const sims = await startSims(t, 2);
  const { fastify, runtime } = await buildGateway(t, {
    JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
    JURIST_RECONCILE_INTERVAL_MS: "200",
    JURIST_HEALTH_INTERVAL_MS: "200",
  });
  const adapters = mkdtempSync(join(tmpdir(), "jurist-reconcile-"));
  await registerLora(fastify, "lora-r", writeAdapter(adapters, "lora-r"));
  const promoted = await fastify.inject({
    method: "POST",
    url: "/v1/admin/promote",
    payload: { checkpoint: "lora-r" },
  });
  t.equal(promoted.statusCode, 200, promoted.body);

  await dropAdapter(sims[1]!.url, "lora-r");
  t.notOk((await modelsOf(sims[1]!.url)).includes("lora-r"), "the replica forgot the adapter");
  let listed = false;
  for (let wait = 0; wait < 100 && !listed; wait++) {
    await sleep(100);
    listed = (await modelsOf(sims[1]!.url)).includes("lora-r");
  }
  t.ok(listed, "the gateway loaded it again");
  t.equal(await runtime.stores.registry.champion(), "lora-r", "the champion never changed");
  // Reconcile reads the fleet's view, refreshed by the next health poll after the reload.
  const seenByFleet = () =>
    runtime.fleet
      .snapshots()
      .find((replica) => replica.url === sims[1]!.url)
      ?.models.some((model) => model.id === "lora-r") === true;
  for (let wait = 0; wait < 50 && !seenByFleet(); wait++) await sleep(100);
  t.ok(seenByFleet(), "the gateway's fleet lists it again");
  t.same(await runtime.promotion.reconcile(), [], "nothing left to do");
});
