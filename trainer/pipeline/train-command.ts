import { parseArgs } from "node:util";
import { type Logger, pino } from "pino";
import { type Config, loadConfig } from "../../src/config/config.ts";
import type { Simulation } from "../../src/runtime/embedded-parts.ts";
import type { IterationContext } from "../stages/iteration-context.ts";
import { openTrainerEnv } from "./open-trainer-env.ts";
import { createProgressDisplay } from "./progress-display.ts";
import { runTraining, type TrainingIterationResult, type TrainingOptions } from "./run-training.ts";

export const TRAIN_USAGE = `usage: jurist train --iterations N --seed-prompts FILE [--seed-prompts FILE ...]
                   [--judge previous|champion] [--prompts-per-iteration M] [--no-eval]
  runs N self-improvement iterations over seed prompts (JSONL { id?, question, images })
  against the configured replicas (in-process SIMULATED replicas when JURIST_BACKENDS is
  unset), resuming an interrupted iteration from <JURIST_DATA_DIR>/trainer
  --judge previous        iteration k is judged by and fine-tuned from iteration k-1's
                          candidate (the champion and the base model for iteration 1); default
  --judge champion        every iteration is judged by the champion
  --prompts-per-iteration iteration k takes the k-th disjoint slice of M seed prompts
                          (default: all of them for one iteration, an equal share for several)
  --no-eval               do not evaluate each candidate on the benchmarks into
                          iteration-k/eval/`;

export interface TrainOptions {
  iterations: number;
  seedPrompts: readonly string[];
  /** Default `previous` (the paper's protocol). */
  judge?: TrainingOptions["judge"] | undefined;
  promptsPerIteration?: number | undefined;
  /** Evaluate each candidate on the benchmarks; default true. */
  evaluate?: boolean | undefined;
  policy?: TrainingOptions["policy"];
  goldAnswer?: TrainingOptions["goldAnswer"];
  /** Aborting stops after the records in flight are written; a rerun resumes. */
  signal?: AbortSignal;
  /** Called after each record a resumable stage writes. */
  onRecord?: IterationContext["onRecord"];
  /** Simulated replicas and benchmarks when no backend is configured (the CLI lends them). */
  simulation?: Simulation;
}

/**
 * Runs `options.iterations` iterations over seed prompt files with the fleet and stores
 * `config` describes (`runTraining`), closing them afterwards.
 */
export async function train(
  config: Config,
  logger: Logger,
  options: TrainOptions,
): Promise<TrainingIterationResult[]> {
  const opened = await openTrainerEnv(config, logger, options.simulation);
  try {
    return await runTraining(opened.env, {
      iterations: options.iterations,
      judge: options.judge ?? "previous",
      policy: options.policy,
      goldAnswer: options.goldAnswer,
      seedFiles: options.seedPrompts,
      promptsPerIteration: options.promptsPerIteration,
      evaluate: options.evaluate ?? true,
      signal: options.signal,
      onRecord: options.onRecord,
      display: (index) => createProgressDisplay(index + 1),
    });
  } finally {
    await opened.close();
  }
}

function parse(argv: string[]): TrainOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      iterations: { type: "string", default: "1" },
      "seed-prompts": { type: "string", multiple: true },
      judge: { type: "string", default: "previous" },
      "prompts-per-iteration": { type: "string" },
      "no-eval": { type: "boolean", default: false },
    },
  });
  const iterations = Number(values.iterations);
  const seedPrompts = values["seed-prompts"] ?? [];
  if (!Number.isInteger(iterations) || iterations < 1 || seedPrompts.length === 0) return null;
  const judge = values.judge;
  if (judge !== "previous" && judge !== "champion") return null;
  const perIteration = values["prompts-per-iteration"];
  const promptsPerIteration = perIteration === undefined ? undefined : Number(perIteration);
  if (
    promptsPerIteration !== undefined &&
    (!Number.isInteger(promptsPerIteration) || promptsPerIteration < 1)
  ) {
    return null;
  }
  return { iterations, seedPrompts, judge, promptsPerIteration, evaluate: !values["no-eval"] };
}

/** `jurist train`: one-shot iterations; SIGINT/SIGTERM stop cleanly and a rerun resumes. */
export async function runTrainCommand(argv: string[], simulation?: Simulation): Promise<void> {
  let options: TrainOptions | null;
  try {
    options = parse(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    options = null;
  }
  if (!options) {
    process.stderr.write(`${TRAIN_USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig();
  const logger = pino({ level: config.logLevel, name: "jurist-trainer" });
  const stop = new AbortController();
  const onSignal = (name: string) => stop.abort(new Error(`${name}: stopping; rerun to resume`));
  process.once("SIGINT", () => onSignal("SIGINT"));
  process.once("SIGTERM", () => onSignal("SIGTERM"));
  try {
    const results = await train(config, logger, { ...options, signal: stop.signal, simulation });
    for (const r of results) {
      const evaluated = r.evalReportPath ? `, eval ${r.evalReportPath}` : "";
      process.stdout.write(
        `iteration ${r.iteration}: candidate ${r.candidate} (judge ${r.judge}, init ${r.init ?? "base"}), dataset ${r.datasetPath}${evaluated}\n`,
      );
    }
  } catch (error) {
    logger.error({ err: error }, "training stopped");
    process.exitCode = 1;
  }
}
