import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import t from "tap";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { buildGateway, startSims, type Teardown } from "../../helpers/gateway.ts";
import { startRedis } from "../../helpers/redis-server.ts";
import { within } from "../../helpers/shared-gateways.ts";
import {
  championOf,
  dropAdapter,
  modelsOf,
  registerLora,
  statusOf,
  writeAdapter,
} from "./promotion-fixtures.ts";

const BASE = "jurist-sim-judge";

/** Three simulated replicas behind two gateways that share one Redis registry. */
async function twoGateways(t: Teardown) {
  const redis = await startRedis(t);
  const sims = await startSims(t, 3);
  const env = {
    REDIS_URL: redis.url,
    JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
    JURIST_PROMOTION_LOAD_TIMEOUT_MS: "10000",
  };
  const dataDir = () => mkdtempSync(join(tmpdir(), "jurist-promotion-"));
  const first = await buildGateway(t, { ...env, JURIST_DATA_DIR: dataDir() });
  const second = await buildGateway(t, { ...env, JURIST_DATA_DIR: dataDir() });
  return { sims, first, second, adapters: mkdtempSync(join(tmpdir(), "jurist-adapters-")) };
}

/** The checkpoint that judged a fresh (uncached) verdict on this gateway. */
async function verdictCheckpoint({ fastify }: { fastify: FastifyInstance }): Promise<string> {
  const response = await fastify.inject({
    method: "POST",
    url: "/v1/judge/pairwise",
    payload: { ...validPairwiseBody(), cache: false },
  });
  if (response.statusCode !== 200) throw new Error(`verdict: ${response.body}`);
  return response.json().checkpoint;
}

t.test("a LoRA candidate is loaded everywhere, then served by every gateway", async (t) => {
  const { sims, first, second, adapters } = await twoGateways(t);
  await registerLora(first.fastify, "lora-1", writeAdapter(adapters, "lora-1"));
  t.equal(await verdictCheckpoint(second), BASE, "the base model judges before");

  const promote = await first.fastify.inject({
    method: "POST",
    url: "/v1/admin/promote",
    payload: { checkpoint: "lora-1", expected_champion: BASE },
  });
  t.equal(promote.statusCode, 200, promote.body);
  t.same(promote.json(), { champion: "lora-1", previous: BASE, missing: [] });
  for (const sim of sims) {
    t.ok((await modelsOf(sim.url)).includes("lora-1"), `${sim.url} lists the adapter`);
  }
  t.equal(await championOf(second.fastify), "lora-1", "the shared registry's champion");
  t.equal(await statusOf(first.fastify, "lora-1"), "champion");
  t.equal(await statusOf(first.fastify, BASE), "retired");
  t.equal(await verdictCheckpoint(first), "lora-1", "the promoting gateway judges with it");
  const adopted = await within(10_000, () => second.runtime.fleet.champion() === "lora-1");
  t.not(adopted, null, "the other gateway adopts it from the registry event");
  t.equal(await verdictCheckpoint(second), "lora-1", "and judges with it");
});

t.test("a CAS conflict changes nothing and loads nothing", async (t) => {
  const { sims, first, adapters } = await twoGateways(t);
  await registerLora(first.fastify, "lora-1", writeAdapter(adapters, "lora-1"));
  const promote = await first.fastify.inject({
    method: "POST",
    url: "/v1/admin/promote",
    payload: { checkpoint: "lora-1", expected_champion: "not-the-champion" },
  });
  t.equal(promote.statusCode, 409);
  t.equal(promote.json().error.code, "CONFLICT");
  t.match(promote.json().error.details, [{ reason: `the champion is ${BASE}` }]);
  t.equal(await championOf(first.fastify), BASE, "the champion is untouched");
  t.equal(await statusOf(first.fastify, "lora-1"), "candidate", "the candidate stays one");
  for (const sim of sims) {
    t.notOk((await modelsOf(sim.url)).includes("lora-1"), `${sim.url} did not load it`);
  }
});

t.test(
  "rollback restores the previous champion, re-loading an adapter that was lost",
  async (t) => {
    const { sims, first, second, adapters } = await twoGateways(t);
    for (const id of ["lora-1", "lora-2"]) {
      await registerLora(first.fastify, id, writeAdapter(adapters, id));
      const promote = await first.fastify.inject({
        method: "POST",
        url: "/v1/admin/promote",
        payload: { checkpoint: id },
      });
      t.equal(promote.statusCode, 200, promote.body);
    }
    for (const sim of sims) {
      t.same(
        (await modelsOf(sim.url)).sort(),
        [BASE, "lora-1", "lora-2"],
        "the previous champion's adapter stays loaded",
      );
    }
    // One replica restarts and loses lora-1: rollback must load it there again first.
    await dropAdapter(sims[1]!.url, "lora-1");

    const rollback = await second.fastify.inject({
      method: "POST",
      url: "/v1/admin/rollback",
      payload: { expected_champion: "lora-2" },
    });
    t.equal(rollback.statusCode, 200, rollback.body);
    t.same(rollback.json(), { champion: "lora-1", previous: "lora-2", missing: [] });
    t.ok((await modelsOf(sims[1]!.url)).includes("lora-1"), "re-loaded where it was lost");
    t.equal(await verdictCheckpoint(second), "lora-1", "the rolling-back gateway serves it");
    t.not(await within(10_000, () => first.runtime.fleet.champion() === "lora-1"), null);
    t.equal(await verdictCheckpoint(first), "lora-1", "and so does the other one");

    const back = await first.fastify.inject({
      method: "POST",
      url: "/v1/admin/rollback",
      payload: {},
    });
    t.same(
      back.json(),
      { champion: BASE, previous: "lora-1", missing: [] },
      "then back to the base model",
    );
    const none = await first.fastify.inject({
      method: "POST",
      url: "/v1/admin/rollback",
      payload: {},
    });
    t.equal(none.statusCode, 409, "nothing before the first champion");
    t.equal(none.json().error.code, "CONFLICT");
  },
);
