import { join } from "node:path";
import type { Logger } from "pino";
import { loadConfig } from "../../src/config/config.ts";
import { dataUriPayload } from "../../src/core/data-uri-payload.ts";
import { bootstrapChampion } from "../../src/registry/champion-sync.ts";
import { createPromotion } from "../../src/registry/promotion.ts";
import type { SimulatedWorld } from "../../src/runtime/embedded-parts.ts";
import type { ItemScore } from "../eval/item-score.ts";
import { gatekeeperFor } from "../pipeline/env-gatekeeper.ts";
import { summariseManifest } from "../pipeline/manifest-summary.ts";
import { openTrainerEnv } from "../pipeline/open-trainer-env.ts";
import { createProgressDisplay } from "../pipeline/progress-display.ts";
import { evaluateOnBenchmark, runTraining } from "../pipeline/run-training.ts";
import type { IterationPolicy } from "../stages/iteration-context.ts";
import { JUDGE_FILE } from "../stages/judge-filter.ts";
import { benchmarkResult, labelPrecision, pairedMacro, readReport } from "./arm-measures.ts";
import type { ArmName } from "./experiment-args.ts";
import type { ArmResult, GateDecision, IterationResult } from "./experiment-result.ts";

/** Each arm's data choices: the paper's method, or one thing changed. */
export const ARM_POLICIES: Record<ArmName, Partial<IterationPolicy>> = {
  paper: {},
  "no-filter": { filter: "none" },
  "one-order": { filter: "ab-only" },
  gold: { closedLabels: "gold" },
  flipped: { labels: "flipped" },
};

/** What one arm runs against. */
export interface ArmInput {
  arm: ArmName;
  /** The arm's own JURIST_DATA_DIR. */
  dataDir: string;
  backends: string[];
  /** `name=format:path,…` */
  benchmarks: string;
  fineTuneCommand: string;
  promptsFile: string;
  promptsPerIteration: number;
  iterations: number;
  seed: number;
  /** The world's truth (label precision, the gold arm); absent on real replicas. */
  world?: SimulatedWorld | undefined;
  logger: Logger;
  signal: AbortSignal;
  /** Told after each finished iteration (progress). */
  onIteration?: (iteration: number) => void;
}

/**
 * Runs one arm: the real trainer stages over fresh prompts for `iterations` iterations
 * (iteration k judged by and fine-tuned from k − 1's candidate), each candidate evaluated
 * with `jurist eval`'s code, then the default gates on the last candidate against the base.
 */
export async function runArm(input: ArmInput): Promise<ArmResult> {
  const config = loadConfig({
    JURIST_DATA_DIR: input.dataDir,
    JURIST_BACKENDS: input.backends.join(","),
    JURIST_BENCHMARKS: input.benchmarks,
    JURIST_FINE_TUNE_COMMAND: input.fineTuneCommand,
    JURIST_TRAIN_SEED: String(input.seed),
    JURIST_LOG_LEVEL: input.logger.level,
  });
  const logger = input.logger.child({ arm: input.arm });
  const opened = await openTrainerEnv(config, logger);
  const { env } = opened;
  try {
    const base = env.fleet.discoveredBaseModel() ?? env.fleet.champion();
    if (!base) throw new Error("no replica serves a model");
    const baseScores = new Map<string, ItemScore[]>();
    const iteration0: IterationResult = {
      iteration: 0,
      checkpoint: base,
      judge: null,
      init: null,
      label_precision: null,
      examples: 0,
      position_consistency: null,
      benchmarks: {},
    };
    for (const benchmark of env.benchmarks) {
      const evaluated = await evaluateOnBenchmark(
        env,
        benchmark,
        {
          checkpoint: base,
          out: join(input.dataDir, "base-eval", benchmark.name),
          simulated: env.simulated || benchmark.simulated,
        },
        input.signal,
      );
      baseScores.set(benchmark.name, evaluated.run.scores);
      iteration0.benchmarks[benchmark.name] = benchmarkResult(evaluated.report);
      if (benchmark.name === "vlrb") iteration0.position_consistency = evaluated.report.consistency;
    }
    const world = input.world;
    const results = await runTraining(env, {
      iterations: input.iterations,
      judge: "previous",
      policy: ARM_POLICIES[input.arm],
      goldAnswer: world
        ? (question, images) =>
            world.goldAnswer(
              question,
              // The world's truth is of the prompt's own image, not of a resized copy.
              images.map((i) => dataUriPayload(i.originalDataUri ?? i.dataUri)),
            )
        : undefined,
      seedFiles: [input.promptsFile],
      promptsPerIteration: input.promptsPerIteration,
      evaluate: true,
      signal: input.signal,
      display: (index) => createProgressDisplay(index + 1),
    });
    const iterations = [iteration0];
    for (const result of results) {
      const row: IterationResult = {
        iteration: result.iteration,
        checkpoint: result.candidate,
        judge: result.judge,
        init: result.init ?? base,
        label_precision: world
          ? await labelPrecision(
              join(result.dir, JUDGE_FILE),
              world,
              ARM_POLICIES[input.arm].labels === "flipped",
            )
          : null,
        // From the manifest: the dataset may be parquet (JURIST_DATASET_IMAGES=embedded).
        examples: (await summariseManifest(result.iteration, result.manifestPath)).examples,
        position_consistency: null,
        benchmarks: {},
        paired: {},
      };
      for (const evaluation of result.evaluations ?? []) {
        const report = await readReport(evaluation.reportJsonPath);
        row.benchmarks[evaluation.benchmark] = benchmarkResult(report);
        if (evaluation.benchmark === "vlrb") row.position_consistency = report.consistency;
        const before = baseScores.get(evaluation.benchmark);
        if (before && evaluation.scores)
          row.paired![evaluation.benchmark] = pairedMacro(evaluation.scores, before);
      }
      iterations.push(row);
      input.onIteration?.(result.iteration);
    }
    const last = results.at(-1);
    const gate = last ? await reviewAgainstBase(opened, last.candidate, input.signal) : undefined;
    // In-process replicas, or replicas elsewhere that say they are simulated (`/v1/models`).
    const simulated =
      env.simulated || env.fleet.snapshots().some((r) => r.models.some((m) => m.simulated));
    return { simulated, iterations, ...(gate ? { gate } : {}) };
  } finally {
    await opened.close();
  }
}

/** The default gates on `candidate` against the base champion, as the worker would run them. */
async function reviewAgainstBase(
  opened: Awaited<ReturnType<typeof openTrainerEnv>>,
  candidate: string,
  signal: AbortSignal,
): Promise<GateDecision> {
  const { env } = opened;
  // As a gateway does at first start: the base model is the champion until a promotion.
  const base = env.fleet.discoveredBaseModel();
  if (base && !(await env.registry.champion())) await bootstrapChampion(env.registry, base);
  const promotion = createPromotion({
    registry: env.registry,
    fleet: env.fleet,
    logger: env.logger,
    loadTimeoutMs: env.config.gates.loadTimeoutMs,
    replicaApiKey: env.config.engine.apiKey,
    quorum: env.config.gates.promotionQuorum,
  });
  try {
    const gatekeeper = gatekeeperFor(env, { shadow: opened.stores.shadow, promotion, signal });
    const review = await gatekeeper.review(candidate);
    return {
      promoted: review.decision === "promoted",
      reasons: review.report.gates.map(
        (g) => `${g.name}: ${g.passed ? "passed" : "failed"} (${g.reason})`,
      ),
    };
  } finally {
    await promotion.close();
  }
}
