import { parseArgs } from "node:util";
import { type Logger, pino } from "pino";
import { type Config, loadConfig } from "../../src/config/config.ts";
import type { Simulation } from "../../src/runtime/embedded-parts.ts";
import type { IterationContext } from "../stages/iteration-context.ts";
import { runNextIteration } from "./iteration-runner.ts";
import { openTrainerEnv, sharedSignal } from "./open-trainer-env.ts";
import { createProgressDisplay } from "./progress-display.ts";
import type { IterationResult } from "./run-iteration.ts";

export const TRAIN_USAGE = `usage: jurist train --iterations N --seed-prompts FILE [--seed-prompts FILE ...]
  runs N self-improvement iterations over seed prompts (JSONL { id?, question, images })
  against the configured replicas (in-process SIMULATED replicas when JURIST_BACKENDS is
  unset), resuming an interrupted iteration from <JURIST_DATA_DIR>/trainer`;

export interface TrainOptions {
  iterations: number;
  seedPrompts: readonly string[];
  /** Aborting stops after the records in flight are written; a rerun resumes. */
  signal?: AbortSignal;
  /** Called after each record a resumable stage writes. */
  onRecord?: IterationContext["onRecord"];
  /** Simulated replicas and benchmarks when no backend is configured (the CLI lends them). */
  simulation?: Simulation;
}

/**
 * Runs `options.iterations` iterations over seed prompt files with the fleet and stores
 * `config` describes, closing them afterwards.
 */
export async function train(
  config: Config,
  logger: Logger,
  options: TrainOptions,
): Promise<IterationResult[]> {
  const opened = await openTrainerEnv(config, logger, options.simulation);
  const signal = sharedSignal(options.signal);
  try {
    const results: IterationResult[] = [];
    for (let i = 0; i < options.iterations; i++) {
      const progress = createProgressDisplay(i + 1);
      try {
        results.push(
          await runNextIteration(opened.env, {
            seedFiles: options.seedPrompts,
            signal,
            observer: progress,
            onRecord: (stage, written, total) => {
              progress.record(stage, written, total);
              options.onRecord?.(stage, written, total);
            },
          }),
        );
      } finally {
        progress.stop();
      }
    }
    return results;
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
    },
  });
  const iterations = Number(values.iterations);
  const seedPrompts = values["seed-prompts"] ?? [];
  if (!Number.isInteger(iterations) || iterations < 1 || seedPrompts.length === 0) return null;
  return { iterations, seedPrompts };
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
      process.stdout.write(
        `iteration ${r.iteration}: candidate ${r.candidate}, dataset ${r.datasetPath}\n`,
      );
    }
  } catch (error) {
    logger.error({ err: error }, "training stopped");
    process.exitCode = 1;
  }
}
