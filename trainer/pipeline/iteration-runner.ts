import { hostname } from "node:os";
import { join, resolve } from "node:path";
import type { Logger } from "pino";
import type { Config } from "../../src/config/config.ts";
import type { ReplicaFleet } from "../../src/engine/replica-fleet.ts";
import type { TrainerMetrics } from "../../src/metrics/trainer-metrics.ts";
import type { CheckpointRegistry } from "../../src/store/checkpoint-registry.ts";
import type { ContaminationIndex } from "../core/contamination-guard.ts";
import type { GateBenchmark } from "../gates/gate-benchmarks.ts";
import type { IterationContext, IterationStage } from "../stages/iteration-context.ts";
import type { StreamIntakeOptions } from "../stages/stream-intake.ts";
import { iterationDir } from "../state/file-trainer-state.ts";
import type { TrainerStateStore } from "../state/trainer-state.ts";
import { nextIteration } from "../state/trainer-state.ts";
import { summariseManifest } from "./manifest-summary.ts";
import { type IterationResult, runIteration, type StageObserver } from "./run-iteration.ts";

/** What every iteration of one trainer process shares. */
export interface TrainerEnv {
  config: Config;
  logger: Logger;
  fleet: ReplicaFleet;
  simulated: boolean;
  registry: CheckpointRegistry;
  state: TrainerStateStore;
  contamination: ContaminationIndex;
  /** The gate benchmarks (their items are also the contamination guard's). */
  benchmarks: readonly GateBenchmark[];
  metrics?: TrainerMetrics | undefined;
}

/** What one iteration takes in, beyond the environment. */
export interface IterationInput {
  seedFiles: readonly string[];
  stream?: StreamIntakeOptions | undefined;
  signal: AbortSignal;
  onRecord?: IterationContext["onRecord"];
  observer?: StageObserver | undefined;
}

/** `<JURIST_DATA_DIR>/trainer`. */
export function trainerDir(config: Config): string {
  return resolve(config.dataDir, "trainer");
}

/** The checkpoint of iteration n − 1 when its fine-tune finished; else empty. */
async function previousCheckpoint(env: TrainerEnv, n: number): Promise<string> {
  if (n <= 1) return "";
  const state = await env.state.iteration(n - 1);
  return state.completed.includes("fine-tune")
    ? join(iterationDir(trainerDir(env.config), n - 1), "checkpoint")
    : "";
}

/** Both the caller's observer and the metrics see every stage event. */
function observers(env: TrainerEnv, input: IterationInput): StageObserver {
  return {
    started(stage) {
      env.metrics?.stageStarted(stage);
      input.observer?.started(stage);
    },
    finished(stage, seconds, outcome) {
      if (outcome !== "skipped") env.metrics?.stageFinished(stage, seconds, outcome);
      input.observer?.finished(stage, seconds, outcome);
    },
  };
}

/**
 * Runs the next iteration (resuming an interrupted one): the judge is the registry's champion
 * (else the model the replicas serve), the generator the base model.
 */
export async function runNextIteration(
  env: TrainerEnv,
  input: IterationInput,
): Promise<IterationResult> {
  const champion = (await env.registry.champion()) ?? env.fleet.champion();
  const record = champion ? await env.registry.get(champion) : null;
  const baseModel = record?.baseModel ?? env.fleet.discoveredBaseModel();
  if (!champion || !baseModel) throw new Error("no healthy replica serves a model");
  if (env.simulated) {
    env.logger.warn("training against SIMULATED replicas: the data and checkpoint are simulated");
  }
  const n = await nextIteration(env.state);
  const logger = env.logger.child({ iteration: n });
  logger.info({ judge: champion, generator: baseModel }, "iteration starting");
  env.metrics?.iterationStarted(n);
  const ctx: IterationContext = {
    iteration: n,
    dir: iterationDir(trainerDir(env.config), n),
    seed: env.config.trainer.seed,
    engine: env.fleet,
    generator: baseModel,
    judge: champion,
    concurrency: env.config.trainer.concurrency,
    logger,
    signal: input.signal,
    onRecord: (stage: IterationStage, written: number, total: number) => {
      env.metrics?.records(stage, written);
      input.onRecord?.(stage, written, total);
    },
  };
  try {
    const result = await runIteration(ctx, {
      registry: env.registry,
      state: env.state,
      observer: observers(env, input),
      intake: {
        seedFiles: input.seedFiles.map((file) => resolve(file)),
        stream: input.stream,
        contamination: env.contamination,
        holdout: { fraction: env.config.trainer.holdoutFraction },
      },
      fineTuneCommand: env.config.trainer.fineTuneCommand,
      baseModel,
      initCheckpoint: await previousCheckpoint(env, n),
    });
    env.metrics?.iterationEnded("completed", await summariseManifest(n, result.manifestPath));
    logger.info({ ...result }, "iteration done");
    return result;
  } catch (error) {
    // An interruption is not a failure: the next run resumes where this one stopped.
    if (!input.signal.aborted) env.metrics?.iterationEnded("failed");
    throw error;
  }
}

/** `host:pid`, naming a worker in its status and lease. */
export function workerName(): string {
  return `${hostname()}:${process.pid}`;
}
