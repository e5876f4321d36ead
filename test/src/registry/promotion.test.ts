import t, { type Test } from "tap";
import { AppError } from "../../../src/core/errors.ts";
import { PromotionError } from "../../../src/registry/promotion.ts";
import { startGateway } from "../../helpers/gateway.ts";
import { BASE, modelsOf, writeAdapter } from "../../scenarios/promotion/promotion-fixtures.ts";

/**
 * A gateway on three in-process replicas; `promotion` is the one its admin API uses. `quorum`
 * is JURIST_PROMOTION_QUORUM (default: the setting's default).
 */
async function setup(t: Test, loadTimeoutMs = 10_000, quorum?: string) {
  const gateway = await startGateway(t, {
    replicas: 3,
    env: {
      JURIST_PROMOTION_LOAD_TIMEOUT_MS: String(loadTimeoutMs),
      ...(quorum ? { JURIST_PROMOTION_QUORUM: quorum } : {}),
    },
  });
  const { registry } = gateway.runtime.stores;
  const dir = t.testdir({});
  const addLora = async (id: string) =>
    registry.register({
      id,
      kind: "lora",
      baseModel: BASE,
      uri: writeAdapter(dir, id),
      parent: BASE,
      created: Date.now(),
      status: "candidate",
      gateReport: null,
    });
  /** A full checkpoint `id` as a candidate: the model replicas serve under that name. */
  const addFull = async (id: string) =>
    registry.register({
      id,
      kind: "full",
      baseModel: id,
      uri: id,
      parent: null,
      created: Date.now(),
      status: "candidate",
      gateReport: null,
    });
  const listedEverywhere = async (id: string) =>
    (await Promise.all(gateway.sims.map((sim) => modelsOf(sim.url)))).map((m) => m.includes(id));
  return {
    ...gateway,
    promotion: gateway.runtime.promotion,
    registry,
    addLora,
    addFull,
    listedEverywhere,
  };
}

const codeOf = (error: unknown) => (error instanceof AppError ? error.code : String(error));

t.test("stage loads a LoRA adapter on every replica once", async (t) => {
  const { promotion, addLora, listedEverywhere, registry } = await setup(t);
  await addLora("lora-a");
  const first = await promotion.stage("lora-a");
  t.equal(first.loaded.length, 3, "loaded on all three");
  t.same(await listedEverywhere("lora-a"), [true, true, true]);
  const again = await promotion.stage("lora-a");
  t.same(again.loaded, [], "a second stage loads nothing");
  t.equal(await registry.champion(), BASE, "staging alone switches nothing");
  t.equal((await registry.get("lora-a"))?.status, "candidate");
  await t.rejects(promotion.stage("nope"), { code: "NOT_FOUND" });
});

t.test("reject unloads a candidate everywhere and records the report", async (t) => {
  const { promotion, addLora, listedEverywhere, registry } = await setup(t);
  await addLora("lora-bad");
  await promotion.stage("lora-bad");
  const rejected = await promotion.reject("lora-bad", "macro did not improve", "/r/gates.json");
  t.match(rejected, { checkpoint: "lora-bad", status: "rejected", failed: [] });
  t.same(await listedEverywhere("lora-bad"), [false, false, false], "unloaded everywhere");
  t.match(await registry.get("lora-bad"), { status: "rejected", gateReport: "/r/gates.json" });

  await addLora("lora-good");
  await promotion.promote("lora-good");
  const champion = await promotion.reject("lora-good", "no").catch(codeOf);
  t.equal(champion, "CONFLICT", "the champion cannot be rejected");
  t.equal(await promotion.unstage("lora-good").catch(codeOf), "CONFLICT", "nor unloaded");
  await addLora("lora-next");
  await promotion.promote("lora-next");
  const retired = await promotion.reject("lora-good", "no").catch(codeOf);
  t.equal(retired, "CONFLICT", "nor a former champion rollback may return to");
  t.same(await listedEverywhere("lora-good"), [true, true, true], "which stays loaded");
});

t.test("two promotions of one candidate at once: one switch, nothing unloaded", async (t) => {
  const { promotion, addLora, listedEverywhere, registry } = await setup(t);
  await addLora("lora-twice");
  const outcomes = await Promise.allSettled([
    promotion.promote("lora-twice", BASE),
    promotion.promote("lora-twice", BASE),
  ]);
  const codes = outcomes.map((o) => (o.status === "fulfilled" ? "ok" : codeOf(o.reason)));
  t.same(codes.sort(), ["CONFLICT", "ok"], "the second compare-and-set conflicts");
  t.equal(await registry.champion(), "lora-twice");
  t.same(await listedEverywhere("lora-twice"), [true, true, true], "the loser undid nothing");
});

t.test(
  "quorum 1: a full checkpoint switches once every replica serving it is healthy",
  async (t) => {
    const { promotion, registry, addFull, sims, fastify, runtime } = await setup(t, 300, "1");
    const other = "jurist-sim-other";
    await addFull(other);
    const missing = await promotion.promote(other).catch((e: unknown) => e);
    t.ok(missing instanceof PromotionError, "nothing serves it: the stage fails");
    t.match(missing, { code: "PROMOTION_FAILED", step: "wait_healthy" });
    t.match((missing as Error).message, "no replica serves it");

    // A deploy outside Jurist brings it up on two replicas; then one of them goes down.
    sims[0]!.setOptions({ modelId: other });
    sims[1]!.setOptions({ modelId: other });
    await runtime.fleet.pollNow();
    sims[1]!.setOptions({ healthy: false });
    const unhealthy = await promotion.promote(other).catch((e: unknown) => e);
    t.match(unhealthy, { code: "PROMOTION_FAILED", step: "wait_healthy" });
    t.match((unhealthy as Error).message, `replica ${sims[1]!.url}: serves it but is down`);
    t.equal(await registry.champion(), BASE, "the champion is untouched");

    sims[1]!.setOptions({ healthy: true });
    t.same(await promotion.promote(other, BASE), { champion: other, previous: BASE, missing: [] });
    const verdict = await fastify.inject({
      method: "POST",
      url: "/v1/judge/pairwise",
      payload: { question: "Which is right?", responses: ["Two cats.", "One dog."] },
    });
    t.equal(verdict.json().checkpoint, other, "verdicts come from the new full checkpoint");
  },
);

t.test(
  "at the default quorum a full checkpoint switches with a serving replica down",
  async (t) => {
    const { promotion, registry, addFull, sims, runtime } = await setup(t, 300);
    const other = "jurist-sim-other";
    await addFull(other);
    sims[0]!.setOptions({ modelId: other });
    sims[1]!.setOptions({ modelId: other });
    await runtime.fleet.pollNow();
    sims[1]!.setOptions({ healthy: false });
    t.match(await promotion.promote(other, BASE), {
      champion: other,
      previous: BASE,
      missing: [{ replica: sims[1]!.url, reason: /^serves it but is down/ }],
    });
    t.equal(await registry.champion(), other);
  },
);

t.test("at the default quorum a replica down does not block a LoRA promotion", async (t) => {
  const { promotion, addLora, sims, registry, listedEverywhere, runtime } = await setup(t);
  sims[2]!.setOptions({ healthy: false });
  await addLora("lora-q");
  const result = await promotion.promote("lora-q", BASE);
  t.match(result, { champion: "lora-q", missing: [{ replica: sims[2]!.url, reason: /^down/ }] });
  t.same((await listedEverywhere("lora-q")).slice(0, 2), [true, true], "loaded on the healthy two");
  t.same(promotion.missingChampion(), [], "the down replica is not reported missing while down");
  sims[2]!.setOptions({ healthy: true });
  await runtime.fleet.pollNow();
  t.match(promotion.missingChampion(), [{ replica: sims[2]!.url }], "healthy again: missing");
  t.same(await promotion.reconcile(), [sims[2]!.url], "until reconcile loads it");
  t.same(await listedEverywhere("lora-q"), [true, true, true]);
  await runtime.fleet.pollNow();
  t.same(promotion.missingChampion(), []);
  t.equal(await registry.champion(), "lora-q");
});

t.test("quorum 1: a replica down blocks promotion, never rollback", async (t) => {
  const { promotion, addLora, sims, registry, listedEverywhere } = await setup(t, 10_000, "1");
  for (const id of ["lora-1", "lora-2"]) {
    await addLora(id);
    await promotion.promote(id);
  }
  const drop = await fetch(`${sims[0]!.url}/v1/unload_lora_adapter`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ lora_name: "lora-1" }),
  });
  t.equal(drop.status, 200, "one replica lost lora-1 (say, it restarted)");
  sims[2]!.setOptions({ healthy: false });

  await addLora("lora-3");
  const blocked = await promotion.promote("lora-3").catch((e: unknown) => e);
  t.match(blocked, { code: "PROMOTION_FAILED", step: "check_replicas" }, "promotion waits");
  t.match(await promotion.rollback("lora-2"), {
    champion: "lora-1",
    previous: "lora-2",
    missing: [{ replica: sims[2]!.url, reason: /^down/ }],
  });
  t.same(await listedEverywhere("lora-1"), [true, true, true], "re-loaded where it was lost");
  t.equal(await registry.champion(), "lora-1");
});
