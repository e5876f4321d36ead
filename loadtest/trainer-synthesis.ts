import { join } from "node:path";
import { pino } from "pino";
import { loadConfig } from "../src/config/config.ts";
import type { EngineSession, JudgeEngine } from "../src/core/types.ts";
import { createMetrics } from "../src/metrics/metrics.ts";
import { createFleet } from "../src/runtime/fleet-runtime.ts";
import { writeClassifiedPrompts } from "../test/helpers/classified-prompts.ts";
import { spawnSim } from "../test/helpers/sim-process.ts";
import { readRecords } from "../trainer/io/record-journal.ts";
import {
  DEFAULT_ITERATION_POLICY,
  type IterationContext,
} from "../trainer/stages/iteration-context.ts";
import {
  runSynthesize,
  SYNTHESIZE_FILE,
  type SynthesisRecord,
} from "../trainer/stages/synthesize.ts";
import { type BenchScope, progress, sleep } from "./bench-scope.ts";

/** Simulated replica processes the fleet spreads synthesis over. */
export const SYNTH_REPLICAS = 2;
/** Mean completion latency of each replica, ms: long enough for calls to overlap. */
export const SYNTH_LATENCY_MS = 20;
/** Prompts synthesized before measuring, to open the fleet's connections. */
const WARM_UP_PROMPTS = 16;
const FLEET_READY_MS = 15_000;

/** Options of {@link measureSynthesis}. */
export interface SynthesisOptions {
  /** Scratch directory: one iteration directory per run goes under it. */
  dir: string;
  /** The configured concurrency (`ctx.concurrency`) of the measured run. */
  concurrency: number;
  /** Prompts of the measured run; the concurrency-1 baseline gets a share of them. */
  prompts: number;
}

/** One runSynthesize run, seen from the engine. */
export interface SynthesisRun {
  concurrency: number;
  prompts: number;
  seconds: number;
  /** `complete` calls made (a call asks for one completion or for `n` samples). */
  calls: number;
  /** Time-weighted mean of calls in flight over the whole stage, start to return. */
  meanInFlight: number;
  peakInFlight: number;
  /** meanInFlight ÷ concurrency. */
  utilisation: number;
  /** ms from the stage's start to its first call, and from its last call's end to its return. */
  setupMs: number;
  tailMs: number;
  /** Share of the run this process's event loop was busy (not waiting for I/O). */
  eventLoopUtilisation: number;
  /** CPU this process used during the run (user + system), s. */
  cpuSeconds: number;
  /** Synthesis records by outcome (`pair`, or the skip reason). */
  outcomes: Record<string, number>;
}

/** Wraps an engine so every `complete` call is counted while in flight, integrated over time. */
function countingEngine(inner: JudgeEngine) {
  let inFlight = 0;
  let peak = 0;
  let calls = 0;
  let area = 0;
  let since = 0;
  let firstCall = Number.NaN;
  let lastEnd = Number.NaN;
  const step = (delta: number) => {
    const now = performance.now();
    area += inFlight * (now - since);
    since = now;
    inFlight += delta;
    peak = Math.max(peak, inFlight);
    if (delta > 0 && Number.isNaN(firstCall)) firstCall = now;
    if (delta < 0) lastEnd = now;
  };
  const engine: JudgeEngine = {
    session(checkpoint): EngineSession {
      const session = inner.session(checkpoint);
      return {
        checkpoint: session.checkpoint,
        replica: session.replica,
        async complete(request, signal) {
          step(1);
          try {
            return await session.complete(request, signal);
          } finally {
            calls++;
            step(-1);
          }
        },
      };
    },
  };
  return {
    engine,
    start() {
      since = performance.now();
      return since;
    },
    stop(started: number) {
      step(0);
      return {
        calls,
        peak,
        meanInFlight: area / (since - started),
        setupMs: firstCall - started,
        tailMs: since - lastEnd,
      };
    },
  };
}

async function synthesizeRun(
  base: Omit<IterationContext, "engine" | "concurrency" | "dir">,
  fleet: JudgeEngine,
  dir: string,
  concurrency: number,
  prompts: number,
): Promise<SynthesisRun> {
  writeClassifiedPrompts(dir, prompts, `synth-${concurrency}-${prompts}`);
  const counter = countingEngine(fleet);
  const loopBefore = performance.eventLoopUtilization();
  const cpuBefore = process.cpuUsage();
  const started = counter.start();
  await runSynthesize({ ...base, engine: counter.engine, concurrency, dir });
  const seen = counter.stop(started);
  const loop = performance.eventLoopUtilization(loopBefore).utilization;
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = (performance.now() - started) / 1000;
  const outcomes: Record<string, number> = {};
  for (const record of await readRecords<SynthesisRecord>(join(dir, SYNTHESIZE_FILE))) {
    const key = record.outcome === "pair" ? "pair" : record.reason;
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  }
  return {
    concurrency,
    prompts,
    seconds,
    calls: seen.calls,
    meanInFlight: seen.meanInFlight,
    peakInFlight: seen.peak,
    utilisation: seen.meanInFlight / concurrency,
    setupMs: seen.setupMs,
    tailMs: seen.tailMs,
    eventLoopUtilisation: loop,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    outcomes,
  };
}

async function discoveredModel(fleet: { discoveredBaseModel(): string | undefined }) {
  const deadline = performance.now() + FLEET_READY_MS;
  for (;;) {
    const model = fleet.discoveredBaseModel();
    if (model) return model;
    if (performance.now() > deadline) throw new Error("no replica reported a base model");
    await sleep(50);
  }
}

/**
 * runSynthesize against SYNTH_REPLICAS simulated replica processes (SYNTH_LATENCY_MS each)
 * behind a replica fleet built from config: a warm-up, the measured run at the configured
 * concurrency, then the baseline at concurrency 1. Each run counts the generator calls in
 * flight through a wrapper around the fleet.
 */
export async function measureSynthesis(scope: BenchScope, options: SynthesisOptions) {
  progress(`synthesis: starting ${SYNTH_REPLICAS} simulated replicas at ${SYNTH_LATENCY_MS} ms`);
  // One seed for all: replicas of one model should agree, whichever the fleet picks.
  const sims = await Promise.all(
    Array.from({ length: SYNTH_REPLICAS }, () =>
      spawnSim(scope, ["--seed", "0", "--latency-ms", String(SYNTH_LATENCY_MS)]),
    ),
  );
  const logger = pino({ level: "silent" });
  const config = loadConfig({
    JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
    JURIST_LOG_LEVEL: "silent",
    JURIST_DATA_DIR: join(options.dir, "data"),
    JURIST_HEALTH_INTERVAL_MS: "500",
  });
  const opened = await createFleet(config, logger, createMetrics(), {});
  scope.teardown(async () => {
    await opened.close();
  });
  const generator = await discoveredModel(opened.fleet);
  const base = {
    iteration: 1,
    seed: 0,
    generator,
    judge: generator,
    init: null,
    policy: DEFAULT_ITERATION_POLICY,
    imageBudget: config.images,
    logger,
    signal: new AbortController().signal,
  };
  const run = (name: string, concurrency: number, prompts: number) =>
    synthesizeRun(base, opened.fleet, join(options.dir, name), concurrency, prompts);
  progress(`synthesis: warm-up (${WARM_UP_PROMPTS} prompts)`);
  await run("warm-up", options.concurrency, WARM_UP_PROMPTS);
  progress(`synthesis: ${options.prompts} prompts at concurrency ${options.concurrency}`);
  const measured = await run("measured", options.concurrency, options.prompts);
  const baselinePrompts = Math.max(20, Math.round(options.prompts / options.concurrency));
  progress(`synthesis: baseline, ${baselinePrompts} prompts at concurrency 1`);
  const baseline = await run("baseline", 1, baselinePrompts);
  return {
    replicas: SYNTH_REPLICAS,
    latencyMs: SYNTH_LATENCY_MS,
    generator,
    measured,
    baseline,
  };
}
