import { join } from "node:path";
import { pino } from "pino";
import t, { type Test } from "tap";
import { loadConfig } from "../../../src/config/config.ts";
import type { ReplicaSnapshot } from "../../../src/engine/fleet-types.ts";
import { createMetrics } from "../../../src/metrics/metrics.ts";
import { createFleet } from "../../../src/runtime/fleet-runtime.ts";
import { readRecords } from "../../../trainer/io/record-journal.ts";
import {
  fleetTrainerSlots,
  trainerCallLimit,
  trainerSlotsPerReplica,
} from "../../../trainer/pipeline/trainer-capacity.ts";
import { DEFAULT_ITERATION_POLICY } from "../../../trainer/stages/iteration-context.ts";
import { runSynthesize, type SynthesisRecord } from "../../../trainer/stages/synthesize.ts";
import { writeClassifiedPrompts } from "../../helpers/classified-prompts.ts";
import { startSims } from "../../helpers/gateway.ts";

const PRIORITY_ON = { enabled: true, interactiveReserve: 0.25 };

function snapshot(patch: Partial<ReplicaSnapshot>): ReplicaSnapshot {
  return {
    url: "http://r",
    healthy: true,
    ejected: false,
    models: [{ id: "base", parent: null, simulated: true }],
    running: 0,
    waiting: 0,
    inFlight: 0,
    maxInFlight: 16,
    latencyMs: 0,
    checkedAt: 0,
    lastError: null,
    version: null,
    choiceField: "structured_outputs",
    unconstrained: null,
    ...patch,
  };
}

t.test(
  "a replica offers the trainer its batch share, the whole limit with classes off",
  async (t) => {
    t.equal(
      trainerSlotsPerReplica({ maxInFlight: 16 }, PRIORITY_ON),
      12,
      "16 less the 25% reserve",
    );
    t.equal(trainerSlotsPerReplica({ maxInFlight: 1 }, PRIORITY_ON), 1, "never less than one");
    t.equal(trainerSlotsPerReplica({ maxInFlight: 16 }, { ...PRIORITY_ON, enabled: false }), 16);
  },
);

t.test(
  "the fleet's slots count only healthy, unejected replicas serving the checkpoint",
  async (t) => {
    const replicas = [
      snapshot({}),
      snapshot({ maxInFlight: 8 }),
      snapshot({ healthy: false }),
      snapshot({ ejected: true }),
      snapshot({ models: [{ id: "other", parent: null, simulated: true }] }),
    ];
    t.equal(fleetTrainerSlots(replicas, "base", PRIORITY_ON), 12 + 6);
    t.equal(fleetTrainerSlots(replicas, "other", PRIORITY_ON), 12);
    t.equal(fleetTrainerSlots(replicas, "nowhere", PRIORITY_ON), 0);
    const source = { snapshots: () => replicas };
    t.equal(trainerCallLimit(source, PRIORITY_ON, "auto")("base"), 18);
    t.equal(trainerCallLimit(source, PRIORITY_ON, 10)("base"), 10, "the setting caps it");
    t.equal(trainerCallLimit(source, PRIORITY_ON, "auto")("nowhere"), 1, "at least one call");
  },
);

/** A fleet over simulated replica servers, `env` overriding its settings. */
async function simFleet(t: Test, urls: string[], env: Record<string, string>) {
  const config = loadConfig({
    JURIST_BACKENDS: urls.join(","),
    JURIST_LOG_LEVEL: "silent",
    JURIST_DATA_DIR: t.testdir(),
    ...env,
  });
  const opened = await createFleet(config, pino({ level: "silent" }), createMetrics(), {});
  t.teardown(async () => {
    await opened.close();
  });
  const model = opened.fleet.champion();
  if (!model) throw new Error("the simulated replicas serve no base model");
  return { fleet: opened.fleet, config, model };
}

t.test("the limit follows replicas as they join and leave a live fleet", async (t) => {
  const sims = await startSims(t, 8, { seed: 0 });
  const urls = sims.map((sim) => sim.url);
  const { fleet, config, model } = await simFleet(t, urls.slice(0, 2), {
    JURIST_REPLICA_MAX_CONCURRENCY: "8",
  });
  const limit = trainerCallLimit(fleet, config.engine.priority, config.trainer.concurrency);
  t.equal(config.trainer.concurrency, "auto", "auto by default");
  t.equal(limit(model), 2 * 6, "two replicas: 8 less the reserve each");
  await fleet.setReplicaUrls(urls);
  t.equal(limit(model), 8 * 6, "eight replicas");
  await fleet.setReplicaUrls(urls.slice(0, 3));
  t.equal(limit(model), 3 * 6, "three left");
  await sims[0]!.close();
  await fleet.pollNow();
  t.equal(limit(model), 2 * 6, "a replica that went down no longer counts");
});

t.test("synthesis waits for a full fleet rather than skipping prompts as failed", async (t) => {
  // One slot, four calls wanted, and the fleet sheds a batch call at once when it has no
  // slot (no wait, no waiters): every call but one is shed, again and again.
  const sims = await startSims(t, 1, { seed: 0, latencyMs: 50 });
  const { fleet, config, model } = await simFleet(
    t,
    sims.map((sim) => sim.url),
    {
      JURIST_REPLICA_MAX_CONCURRENCY: "1",
      JURIST_BATCH_ADMISSION_WAIT_MS: "0",
      JURIST_BATCH_ADMISSION_MAX_WAITERS: "0",
    },
  );
  const dir = t.testdir();
  writeClassifiedPrompts(dir, 12, "shed");
  await runSynthesize({
    iteration: 1,
    dir,
    seed: 0,
    engine: fleet,
    generator: model,
    judge: model,
    init: null,
    policy: DEFAULT_ITERATION_POLICY,
    imageBudget: config.images,
    concurrency: 4,
    logger: pino({ level: "silent" }),
    signal: new AbortController().signal,
  });
  const records = await readRecords<SynthesisRecord>(join(dir, "synthesize.jsonl"));
  t.equal(records.length, 12);
  const engineErrors = records.filter((r) => r.outcome === "skip" && r.reason === "engine_error");
  t.same(engineErrors, [], "no prompt was skipped for a busy fleet");
});
