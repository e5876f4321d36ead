import { setMaxListeners } from "node:events";
import { access } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type Logger, pino } from "pino";
import { type Config, loadConfig } from "../../src/config.ts";
import { createFleet } from "../../src/fleet-runtime.ts";
import { createMetrics } from "../../src/metrics.ts";
import { createStores } from "../../src/store/create-stores.ts";
import { buildContaminationIndex } from "../core/contamination-guard.ts";
import type { IterationContext } from "./iteration-context.ts";
import { iterationDir, nextIteration, readIterationState } from "./iteration-state.ts";
import { type IterationResult, runIteration } from "./run-iteration.ts";

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
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The checkpoint of iteration n − 1 when its fine-tune finished; else empty. */
async function previousCheckpoint(trainerDir: string, n: number): Promise<string> {
  if (n <= 1) return "";
  const dir = iterationDir(trainerDir, n - 1);
  const state = await readIterationState(dir, n - 1);
  const checkpoint = join(dir, "checkpoint");
  return state.completed.includes("fine-tune") && (await exists(checkpoint)) ? checkpoint : "";
}

/**
 * Runs `options.iterations` iterations with the fleet and stores `config` describes, closing
 * them afterwards. The judge is the registry's champion (else the base model the replicas
 * serve); the generator is the base model.
 */
export async function train(
  config: Config,
  logger: Logger,
  options: TrainOptions,
): Promise<IterationResult[]> {
  const stores = await createStores(config, logger);
  const { fleet, discovery, simulated, closeSims } = await createFleet(
    config,
    logger,
    createMetrics(),
    {},
  );
  try {
    const champion = (await stores.registry.champion()) ?? fleet.champion();
    const record = champion ? await stores.registry.get(champion) : null;
    const baseModel = record?.baseModel ?? fleet.discoveredBaseModel();
    if (!champion || !baseModel) throw new Error("no healthy replica serves a model");
    if (simulated)
      logger.warn("training against SIMULATED replicas: the data and checkpoint are simulated");
    const trainerDir = resolve(config.dataDir, "trainer");
    const signal = options.signal ?? new AbortController().signal;
    // Every engine call in flight listens on it (and lets go when it ends): many listeners, no leak.
    setMaxListeners(0, signal);
    const results: IterationResult[] = [];
    for (let i = 0; i < options.iterations; i++) {
      const n = await nextIteration(trainerDir);
      logger.info({ iteration: n, judge: champion, generator: baseModel }, "iteration starting");
      const ctx: IterationContext = {
        iteration: n,
        dir: iterationDir(trainerDir, n),
        seed: config.trainer.seed,
        engine: fleet,
        generator: baseModel,
        judge: champion,
        concurrency: config.trainer.concurrency,
        logger: logger.child({ iteration: n }),
        signal,
        onRecord: options.onRecord,
      };
      const result = await runIteration(ctx, {
        registry: stores.registry,
        intake: {
          seedFiles: options.seedPrompts.map((file) => resolve(file)),
          // No benchmark files are configured yet: an empty index, but every prompt is checked.
          contamination: buildContaminationIndex([]),
          holdout: { fraction: config.trainer.holdoutFraction },
        },
        fineTuneCommand: config.trainer.fineTuneCommand,
        baseModel,
        initCheckpoint: await previousCheckpoint(trainerDir, n),
      });
      logger.info({ ...result }, "iteration done");
      results.push(result);
    }
    return results;
  } finally {
    discovery.stop();
    await fleet.close();
    await closeSims();
    await stores.close();
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
export async function runTrainCommand(argv: string[]): Promise<void> {
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
    const results = await train(config, logger, { ...options, signal: stop.signal });
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
