/**
 * Does the trainer's synthesis rate grow with the fleet? runSynthesize and runJudgeFilter (the
 * trainer's real stages) over the same seed prompts against 2 and then 8 simulated replica
 * processes, each replica a fixed capacity (`--max-concurrency`, vLLM's max_num_seqs) and a
 * fixed mean latency per call, so the fleet's capacity, not this machine's CPU, is the limit.
 * Four runs in one process, one fleet whose replica set is switched between them:
 *
 *   fixed 8 (the old JURIST_TRAIN_CONCURRENCY) on 2 replicas, then on 8: the baseline;
 *   auto (the limit derived from the fleet) on 2 replicas, then on 8.
 *
 * Prints prompts/s through synthesis + filtering for each, with the CPU the trainer process
 * and the replicas used, and writes loadtest/results/trainer-scale.json.
 * Run: npm run bench:trainer-scale [-- --prompts 160 --latency-ms 1000 --replica-slots 8]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { loadConfig } from "../src/config/config.ts";
import { createMetrics } from "../src/metrics/metrics.ts";
import { createFleet } from "../src/runtime/fleet-runtime.ts";
import { writeClassifiedPrompts } from "../test/helpers/classified-prompts.ts";
import { spawnSim } from "../test/helpers/sim-process.ts";
import { readRecords } from "../trainer/io/record-journal.ts";
import { sharedSignal } from "../trainer/pipeline/open-trainer-env.ts";
import { trainerCallLimit } from "../trainer/pipeline/trainer-capacity.ts";
import {
  type CallLimit,
  DEFAULT_ITERATION_POLICY,
  type IterationContext,
} from "../trainer/stages/iteration-context.ts";
import { JUDGE_FILE, type JudgeRecord, runJudgeFilter } from "../trainer/stages/judge-filter.ts";
import {
  runSynthesize,
  SYNTHESIZE_FILE,
  type SynthesisRecord,
} from "../trainer/stages/synthesize.ts";
import { type BenchScope, progress, runBenchmark, sleep } from "./bench-scope.ts";
import { fixed } from "./latency-stats.ts";
import { cpuSeconds } from "./process-usage.ts";

const RUN_LIMIT_MS = 900_000;
const RESULTS_DIR = fileURLToPath(new URL("./results/", import.meta.url));
const COMMAND = "npm run bench:trainer-scale";
/** The trainer's concurrency before it followed the fleet. */
const OLD_FIXED_CONCURRENCY = 8;
const FLEET_SIZES = [2, 8] as const;

const { values: args } = parseArgs({
  options: {
    prompts: { type: "string", default: "160" },
    "latency-ms": { type: "string", default: "1000" },
    "replica-slots": { type: "string", default: "8" },
  },
});
const PROMPTS = Number(args.prompts);
const LATENCY_MS = Number(args["latency-ms"]);
const REPLICA_SLOTS = Number(args["replica-slots"]);

interface ScaleRun {
  label: string;
  replicas: number;
  setting: string;
  /** The limit the stages read at the start (calls in flight allowed). */
  callLimit: number;
  synthesisSeconds: number;
  filterSeconds: number;
  /** Prompts through synthesis and filtering per second of both stages. */
  promptsPerSecond: number;
  pairs: number;
  kept: number;
  engineErrors: number;
  /** CPU seconds per wall second over the run: this process, and all replica processes. */
  trainerCpu: number;
  replicasCpu: number;
}

async function untilHealthy(
  fleet: { snapshots(): { healthy: boolean; models: unknown[] }[] },
  count: number,
) {
  const deadline = performance.now() + 30_000;
  while (fleet.snapshots().filter((r) => r.healthy && r.models.length > 0).length < count) {
    if (performance.now() > deadline) throw new Error(`${count} replicas never became healthy`);
    await sleep(50);
  }
}

async function body(scope: BenchScope) {
  const dir = mkdtempSync(join(tmpdir(), "jurist-trainer-scale-"));
  scope.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const most = Math.max(...FLEET_SIZES);
  progress(
    `starting ${most} simulated replicas: ${LATENCY_MS} ms mean per call, ${REPLICA_SLOTS} slots each`,
  );
  const sims = await Promise.all(
    Array.from({ length: most }, () =>
      spawnSim(scope, [
        "--seed",
        "0",
        "--latency-ms",
        String(LATENCY_MS),
        "--max-concurrency",
        String(REPLICA_SLOTS),
      ]),
    ),
  );
  const urls = sims.map((sim) => sim.url);
  const logger = pino({ level: "silent" });
  const config = loadConfig({
    JURIST_BACKENDS: urls.slice(0, FLEET_SIZES[0]).join(","),
    JURIST_LOG_LEVEL: "silent",
    JURIST_DATA_DIR: join(dir, "data"),
    JURIST_HEALTH_INTERVAL_MS: "500",
    // The gateway's per-replica limit matches the replica's own capacity (max_num_seqs).
    JURIST_REPLICA_MAX_CONCURRENCY: String(REPLICA_SLOTS),
  });
  const opened = await createFleet(config, logger, createMetrics(), {});
  scope.teardown(async () => {
    await opened.close();
  });
  const { fleet } = opened;
  await untilHealthy(fleet, FLEET_SIZES[0]);
  const model = fleet.champion();
  if (!model) throw new Error("no replica reported a base model");
  const auto = trainerCallLimit(fleet, config.engine.priority, "auto");
  /** Iteration 1 of the trainer's stages in `stageDir`, the fleet's model generating and judging. */
  const contextFor = (stageDir: string, concurrency: CallLimit): IterationContext => ({
    iteration: 1,
    dir: stageDir,
    seed: 0,
    engine: fleet,
    generator: model,
    judge: model,
    init: null,
    policy: DEFAULT_ITERATION_POLICY,
    imageBudget: config.images,
    concurrency,
    logger,
    signal: sharedSignal(),
  });

  const measure = async (
    label: string,
    replicas: number,
    setting: string,
    concurrency: CallLimit,
    filterConcurrency: CallLimit = concurrency,
  ): Promise<ScaleRun> => {
    await fleet.setReplicaUrls(urls.slice(0, replicas));
    await untilHealthy(fleet, replicas);
    const runDir = join(dir, label.replace(/\W+/g, "-"));
    // The same prompts for every run (same seed), in a directory of its own.
    writeClassifiedPrompts(runDir, PROMPTS, "scale");
    const ctx = contextFor(runDir, concurrency);
    const callLimit = typeof concurrency === "number" ? concurrency : concurrency(model);
    progress(`${label}: ${PROMPTS} prompts, ${replicas} replicas, limit ${callLimit} calls`);
    const simCpu = () => sims.reduce((sum, sim) => sum + cpuSeconds(sim.pid), 0);
    const cpuBefore = process.cpuUsage();
    const simBefore = simCpu();
    const started = performance.now();
    await runSynthesize(ctx);
    const synthesized = performance.now();
    await runJudgeFilter({ ...ctx, concurrency: filterConcurrency });
    const ended = performance.now();
    const cpu = process.cpuUsage(cpuBefore);
    const wall = (ended - started) / 1000;
    const synthesis = await readRecords<SynthesisRecord>(join(runDir, SYNTHESIZE_FILE));
    const judged = await readRecords<JudgeRecord>(join(runDir, JUDGE_FILE));
    const run: ScaleRun = {
      label,
      replicas,
      setting,
      callLimit,
      synthesisSeconds: (synthesized - started) / 1000,
      filterSeconds: (ended - synthesized) / 1000,
      promptsPerSecond: PROMPTS / wall,
      pairs: synthesis.filter((r) => r.outcome === "pair").length,
      kept: judged.filter((r) => r.kept).length,
      engineErrors: synthesis.filter((r) => r.outcome === "skip" && r.reason === "engine_error")
        .length,
      trainerCpu: (cpu.user + cpu.system) / 1e6 / wall,
      replicasCpu: (simCpu() - simBefore) / wall,
    };
    progress(`${label}: ${fixed(run.promptsPerSecond, 2)} prompts/s`);
    return run;
  };

  // A short warm-up opens the connections to every replica before anything is measured.
  await fleet.setReplicaUrls(urls);
  await untilHealthy(fleet, most);
  const warmDir = join(dir, "warm-up");
  writeClassifiedPrompts(warmDir, 16, "warm-up");
  await runSynthesize(contextFor(warmDir, auto));

  const runs: ScaleRun[] = [];
  for (const replicas of FLEET_SIZES) {
    // The old code ran 8 prompts at once in synthesis and 8 pairs (16 calls) in the filter.
    runs.push(
      await measure(
        `fixed ${OLD_FIXED_CONCURRENCY} (old), ${replicas} replicas`,
        replicas,
        String(OLD_FIXED_CONCURRENCY),
        OLD_FIXED_CONCURRENCY,
        OLD_FIXED_CONCURRENCY * 2,
      ),
    );
  }
  for (const replicas of FLEET_SIZES) {
    runs.push(await measure(`auto, ${replicas} replicas`, replicas, "auto", auto));
  }

  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  const oldOnSmall = runs[0]!.promptsPerSecond;
  const table = [
    line([
      "Run",
      "Calls in flight allowed (synthesis)",
      "Synthesis s",
      "Filter s",
      "Prompts/s (synthesis + filter)",
      "vs fixed 8 on 2 replicas",
      "Pairs / kept / engine errors",
      "CPU: trainer, replicas (cores)",
    ]),
    line(["---", "---:", "---:", "---:", "---:", "---:", "---", "---"]),
    ...runs.map((run) =>
      line([
        run.label,
        run.callLimit,
        fixed(run.synthesisSeconds, 1),
        fixed(run.filterSeconds, 1),
        fixed(run.promptsPerSecond, 2),
        `${fixed(run.promptsPerSecond / oldOnSmall, 2)}×`,
        `${run.pairs} / ${run.kept} / ${run.engineErrors}`,
        `${fixed(run.trainerCpu, 2)}, ${fixed(run.replicasCpu, 2)}`,
      ]),
    ),
  ].join("\n");
  const [cpus, load] = [availableParallelism(), loadavg()[0]!];
  const header = `${COMMAND}: ${PROMPTS} prompts; replicas of ${REPLICA_SLOTS} slots at ${LATENCY_MS} ms mean per call; node ${process.version}, ${cpus} CPUs, load average ${fixed(load, 1)}`;
  process.stdout.write(`${header}\n\n${table}\n`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(
    join(RESULTS_DIR, "trainer-scale.json"),
    `${JSON.stringify({ command: COMMAND, prompts: PROMPTS, latencyMs: LATENCY_MS, replicaSlots: REPLICA_SLOTS, cpus, runs }, null, 2)}\n`,
  );
}

await runBenchmark(RUN_LIMIT_MS, body);
