import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pino } from "pino";
import t from "tap";
import { writeSimBench } from "../../../sim/sim-bench.ts";
import type { Runtime } from "../../../src/runtime/runtime.ts";
import { resolveGateBenchmarks } from "../../../trainer/gates/gate-benchmarks.ts";
import { createGatekeeper } from "../../../trainer/gates/gatekeeper.ts";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { buildGateway, startSims } from "../../helpers/gateway.ts";
import { startRedis } from "../../helpers/redis-server.ts";

const logger = pino({ level: "silent" });

/** A simulated LoRA candidate: its adapter.json sets what the simulated judge does with it. */
async function registerCandidate(
  runtime: Runtime,
  dir: string,
  id: string,
  adapter: Record<string, unknown>,
) {
  const path = join(dir, id);
  await mkdir(path, { recursive: true });
  await writeFile(
    join(path, "adapter.json"),
    JSON.stringify({ simulated_position_bias: 0.05, ...adapter }),
  );
  const registry = runtime.stores.registry;
  const champion = await registry.champion();
  await registry.register({
    id,
    kind: "lora",
    baseModel: runtime.fleet.discoveredBaseModel()!,
    uri: path,
    parent: champion,
    created: Date.now(),
    status: "candidate",
    gateReport: null,
  });
}

/** The checkpoint a gateway's verdicts come from now. */
async function servedBy(
  fastify: Awaited<ReturnType<typeof buildGateway>>["fastify"],
): Promise<string> {
  const response = await fastify.inject({
    method: "POST",
    url: "/v1/judge/pairwise",
    payload: { ...validPairwiseBody(), cache: false },
  });
  if (response.statusCode !== 200) throw new Error(`verdict failed: ${response.body}`);
  return response.json().checkpoint;
}

async function eventually(read: () => Promise<string>, want: string): Promise<string> {
  let got = await read();
  for (let i = 0; i < 100 && got !== want; i++) {
    await sleep(100);
    got = await read();
  }
  return got;
}

t.test(
  "the gates promote a better candidate everywhere, reject worse ones naming the gate, and rollback restores the champion",
  async (t) => {
    const dir = t.testdir();
    const redis = await startRedis(t);
    const sims = await startSims(t, 2, { seed: 0, accuracy: 0.7, positionBias: 0.05 });
    const bench = await writeSimBench(join(dir, "bench"), { n: 160, seed: 5 });
    const env = {
      REDIS_URL: redis.url,
      JURIST_REDIS_PREFIX: "gates-test:",
      JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
      JURIST_REGISTRY_REFRESH_MS: "200",
      JURIST_BENCHMARKS: `vlrb=vlrb:${bench.vlrb},mmrb=mmrb:${bench.mmrb},heldout=jurist:${bench.heldout}`,
      JURIST_GATE_BOOTSTRAP_RESAMPLES: "500",
    };
    const one = await buildGateway(t, env);
    const two = await buildGateway(t, env);
    const base = one.runtime.fleet.discoveredBaseModel()!;
    t.equal(await servedBy(one.fastify), base);

    const { runtime } = one;
    const gatekeeper = createGatekeeper({
      config: runtime.config,
      logger,
      engine: runtime.fleet,
      simulated: false,
      registry: runtime.stores.registry,
      shadow: runtime.stores.shadow,
      promotion: runtime.promotion,
      benchmarks: await resolveGateBenchmarks(runtime.config, false, logger),
    });

    await registerCandidate(runtime, dir, "weak-in-safety", {
      simulated_accuracy: 0.95,
      simulated_category_accuracy: { "safety/bias": 0.2 },
    });
    const category = await gatekeeper.review("weak-in-safety");
    t.equal(category.decision, "rejected");
    t.strictSame(
      category.report.gates.map((gate) => [gate.name, gate.passed]),
      [
        ["vlrb-macro-improves", true],
        ["mmrb-no-category-regression", false],
        ["heldout-consistency-holds", true],
      ],
      "only the guarded category's gate fails",
    );
    t.match(category.report.gates[1]!.reason, /category:safety\/bias/);
    t.equal((await runtime.stores.registry.get("weak-in-safety"))?.status, "rejected");
    t.equal(await servedBy(one.fastify), base, "the champion is untouched");
    await runtime.fleet.pollNow();
    t.notOk(
      runtime.fleet
        .snapshots()
        .some((replica) => replica.models.some((m) => m.id === "weak-in-safety")),
      "a rejected adapter is unloaded from every replica",
    );

    await registerCandidate(runtime, dir, "worse", { simulated_accuracy: 0.5 });
    const worse = await gatekeeper.review("worse");
    t.equal(worse.decision, "rejected");
    t.match(worse.report.gates[0], {
      name: "vlrb-macro-improves",
      passed: false,
      reason: /not shown to improve/,
    });

    // Better everywhere: more accurate, and without position lapses, so also more consistent
    // (consistency differs from the base only through lapses, which a tolerance of 0 would
    // otherwise leave to chance).
    await registerCandidate(runtime, dir, "better", {
      simulated_accuracy: 0.95,
      simulated_position_bias: 0,
    });
    const better = await gatekeeper.review("better");
    t.equal(better.decision, "promoted", better.report.gates.map((gate) => gate.reason).join("\n"));
    t.equal(await runtime.stores.registry.champion(), "better");
    t.equal(
      await eventually(() => servedBy(one.fastify), "better"),
      "better",
      "this gateway serves it",
    );
    t.equal(
      await eventually(() => servedBy(two.fastify), "better"),
      "better",
      "the other gateway too",
    );

    const listed = await one.fastify.inject({ method: "GET", url: "/v1/admin/checkpoints" });
    const records = listed.json().data as {
      id: string;
      status: string;
      gate_report: string | null;
      gates: { passed: boolean; gates: { name: string }[] } | null;
    }[];
    const kept = records.find((record) => record.id === "better")!;
    t.match(kept, { status: "champion", gates: { passed: true } });
    t.equal(kept.gates!.gates.length, 3);
    t.match(kept.gate_report, /reports\/better\/gates\.json$/);
    t.match(
      records.find((record) => record.id === "worse"),
      { status: "rejected", gates: { passed: false } },
    );

    await runtime.promotion.rollback("better");
    t.equal(await runtime.stores.registry.champion(), base);
    t.equal(
      await eventually(() => servedBy(two.fastify), base),
      base,
      "rollback restores the previous champion everywhere",
    );
  },
);
