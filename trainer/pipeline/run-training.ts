import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { serveCheckpoint } from "../../src/registry/serve-checkpoint.ts";
import { evaluateBenchmarkFile } from "../eval/eval-command.ts";
import type { ItemScore } from "../eval/item-score.ts";
import { seedLines } from "../io/jsonl-files.ts";
import type { GoldAnswer, IterationContext, IterationPolicy } from "../stages/iteration-context.ts";
import { runNextIteration, type TrainerEnv } from "./iteration-runner.ts";
import { sharedSignal } from "./open-trainer-env.ts";
import type { ProgressDisplay } from "./progress-display.ts";
import type { IterationResult, StageObserver } from "./run-iteration.ts";

/** One run of the self-improvement protocol (`jurist train`, an ablation arm). */
export interface TrainingOptions {
  iterations: number;
  /**
   * `previous`: iteration n > 1 is judged by, and fine-tuned from, iteration n − 1's
   * candidate (the paper's protocol). `champion`: every iteration is judged by the champion
   * and fine-tuned from iteration n − 1's checkpoint.
   */
  judge: "previous" | "champion";
  /** The arm's data choices; unset fields are the method's. */
  policy?: Partial<IterationPolicy> | undefined;
  /** Gold answers for `policy.closedLabels: "gold"`. */
  goldAnswer?: GoldAnswer | undefined;
  seedFiles: readonly string[];
  /** Iteration n takes the n-th disjoint slice of this many seed prompts; unset: an equal share of them when there are several iterations, all of them for one. */
  promptsPerIteration?: number | undefined;
  /** Evaluate each candidate on the environment's benchmarks into `iteration-<n>/eval/`. */
  evaluate: boolean;
  /** Aborting stops after the records in flight are written; a rerun resumes. */
  signal?: AbortSignal | undefined;
  onRecord?: IterationContext["onRecord"];
  observer?: StageObserver | undefined;
  /** A display per iteration (0-based in this run), stopped when its stages end. */
  display?: ((index: number) => ProgressDisplay) | undefined;
}

/** One benchmark's evaluation of an iteration's candidate. */
export interface CandidateEvaluation {
  benchmark: string;
  simulated: boolean;
  dir: string;
  reportJsonPath: string;
  reportMarkdownPath: string;
  overall: number | null;
  macro: number | null;
  consistency: number | null;
  judged: number;
  failed: number;
  /** Per-item scores, for paired comparisons (not written to summary.json). */
  scores?: ItemScore[] | undefined;
}

/** What an iteration of a training run produced. */
export interface TrainingIterationResult extends IterationResult {
  /** `iteration-<n>/eval/summary.json` when the candidate was evaluated. */
  evalReportPath?: string | undefined;
  evaluations?: CandidateEvaluation[] | undefined;
}

/** One checkpoint on one of the environment's benchmarks, with `jurist eval`'s code, into `out`. */
export function evaluateOnBenchmark(
  env: TrainerEnv,
  benchmark: TrainerEnv["benchmarks"][number],
  target: { checkpoint: string; out: string; simulated: boolean },
  signal: AbortSignal,
) {
  const { config } = env;
  return evaluateBenchmarkFile(
    config,
    {
      engine: env.fleet,
      checkpoint: target.checkpoint,
      bench: benchmark.path,
      format: benchmark.format,
      name: benchmark.name,
      out: target.out,
      unparseable: config.gates.unparseable,
      seed: config.trainer.seed,
      concurrency: config.gates.concurrency,
      simulated: target.simulated,
    },
    { signal },
  );
}

/**
 * Evaluates an iteration's candidate with `jurist eval`'s code on every benchmark of the
 * environment (JURIST_BENCHMARKS, or the simulated ones on in-process simulated replicas),
 * after loading its adapter onto the replicas. Writes `iteration-<n>/eval/<benchmark>/`
 * (`items.jsonl`, `report.json`, `report.md`) and `iteration-<n>/eval/summary.json`.
 * Undefined when there is no benchmark to evaluate on.
 */
export async function evaluateCandidate(
  env: TrainerEnv,
  result: IterationResult,
  signal: AbortSignal,
): Promise<{ summaryPath: string; evaluations: CandidateEvaluation[] } | undefined> {
  const logger = env.logger.child({ iteration: result.iteration, stage: "eval" });
  if (env.benchmarks.length === 0) {
    logger.warn("no benchmarks configured (JURIST_BENCHMARKS): the candidate is not evaluated");
    return undefined;
  }
  const { config } = env;
  await serveCheckpoint(
    {
      registry: env.registry,
      fleet: env.fleet,
      logger,
      loadTimeoutMs: config.gates.loadTimeoutMs,
      quorum: config.gates.promotionQuorum,
    },
    result.candidate,
  );
  const remoteSim = env.fleet
    .snapshots()
    .some((r) => r.models.some((m) => m.id === result.candidate && m.simulated));
  const evaluations: CandidateEvaluation[] = [];
  for (const benchmark of env.benchmarks) {
    const simulated = env.simulated || remoteSim || benchmark.simulated;
    const dir = join(result.dir, "eval", benchmark.name);
    const { report, reportJsonPath, reportMarkdownPath, run } = await evaluateOnBenchmark(
      env,
      benchmark,
      { checkpoint: result.candidate, out: dir, simulated },
      signal,
    );
    const evaluation: CandidateEvaluation = {
      benchmark: benchmark.name,
      simulated: report.meta.simulated,
      dir,
      reportJsonPath,
      reportMarkdownPath,
      overall: report.overall.accuracy,
      macro: report.macro.accuracy,
      consistency: report.consistency,
      judged: report.judged,
      failed: report.failed,
    };
    Object.defineProperty(evaluation, "scores", { value: run.scores, enumerable: false });
    if (report.failed > 0) logger.warn({ ...evaluation }, "some benchmark items failed");
    logger.info({ ...evaluation, candidate: result.candidate }, "candidate evaluated");
    evaluations.push(evaluation);
  }
  const summaryPath = join(result.dir, "eval", "summary.json");
  const summary = {
    iteration: result.iteration,
    candidate: result.candidate,
    judge: result.judge,
    init: result.init,
    evaluations,
  };
  await writeFile(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
  return { summaryPath, evaluations };
}

/**
 * Prompts per iteration: as asked, else — for several iterations over seed files — an equal
 * share of the seed prompts, so that every iteration draws fresh ones (the paper's protocol).
 */
async function sliceSize(env: TrainerEnv, options: TrainingOptions): Promise<number | undefined> {
  if (options.promptsPerIteration !== undefined) return options.promptsPerIteration;
  if (options.iterations <= 1 || options.seedFiles.length === 0) return undefined;
  let total = 0;
  for await (const _ of seedLines(options.seedFiles)) total++;
  const size = Math.floor(total / options.iterations);
  if (size < 1) {
    throw new Error(
      `${total} seed prompts cannot give ${options.iterations} iterations fresh ones`,
    );
  }
  env.logger.info(
    { seedPrompts: total, iterations: options.iterations, promptsPerIteration: size },
    "each iteration draws its own share of the seed prompts",
  );
  return size;
}

/**
 * Runs `options.iterations` iterations of the self-improvement protocol on an open
 * environment (resuming an interrupted one first), each on fresh prompts, and evaluates each
 * candidate unless told not to. Holds no state outside `env` and its data directory, so
 * several runs (arms) can go on in one process, each on its own environment.
 */
export async function runTraining(
  env: TrainerEnv,
  options: TrainingOptions,
): Promise<TrainingIterationResult[]> {
  const signal = sharedSignal(options.signal);
  const results: TrainingIterationResult[] = [];
  const promptsPerIteration = await sliceSize(env, options);
  for (let i = 0; i < options.iterations; i++) {
    const display = options.display?.(i);
    let result: TrainingIterationResult;
    try {
      result = await runNextIteration(env, {
        judge: options.judge,
        init: "previous",
        policy: options.policy,
        goldAnswer: options.goldAnswer,
        seedFiles: options.seedFiles,
        promptsPerIteration,
        signal,
        observer: {
          started(stage) {
            display?.started(stage);
            options.observer?.started(stage);
          },
          finished(stage, seconds, outcome) {
            display?.finished(stage, seconds, outcome);
            options.observer?.finished(stage, seconds, outcome);
          },
        },
        onRecord: (stage, written, total) => {
          display?.record(stage, written, total);
          options.onRecord?.(stage, written, total);
        },
      });
    } finally {
      display?.stop();
    }
    if (options.evaluate) {
      const evaluated = await evaluateCandidate(env, result, signal);
      result.evalReportPath = evaluated?.summaryPath;
      result.evaluations = evaluated?.evaluations;
    }
    results.push(result);
  }
  return results;
}
