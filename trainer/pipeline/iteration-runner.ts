import { hostname } from "node:os";
import { join, resolve } from "node:path";
import type { Logger } from "pino";
import type { Config } from "../../src/config/config.ts";
import type { ReplicaFleet } from "../../src/engine/replica-fleet.ts";
import type { TrainerMetrics } from "../../src/metrics/trainer-metrics.ts";
import { serveCheckpoint } from "../../src/registry/serve-checkpoint.ts";
import type { CheckpointRecord, CheckpointRegistry } from "../../src/store/checkpoint-registry.ts";
import type { ContaminationIndex } from "../core/contamination-guard.ts";
import type { GateBenchmark } from "../gates/gate-benchmarks.ts";
import {
  DEFAULT_ITERATION_POLICY,
  type GoldAnswer,
  type IterationContext,
  type IterationPolicy,
  type IterationStage,
} from "../stages/iteration-context.ts";
import { seedSlice } from "../stages/seed-slices.ts";
import type { StreamIntakeOptions } from "../stages/stream-intake.ts";
import { iterationDir } from "../state/file-trainer-state.ts";
import type { IterationPlan, TrainerStateStore } from "../state/trainer-state.ts";
import { nextIteration } from "../state/trainer-state.ts";
import { summariseManifest } from "./manifest-summary.ts";
import { type IterationResult, runIteration, type StageObserver } from "./run-iteration.ts";
import { trainerCallLimit } from "./trainer-capacity.ts";

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
  /**
   * Who judges iteration n. `champion` (default): the registry's champion (else the model the
   * replicas serve). `previous`: iteration n − 1's candidate, loaded onto the replicas first
   * (the champion for iteration 1): the paper's self-improvement protocol.
   */
  judge?: "champion" | "previous" | undefined;
  /**
   * What iteration n fine-tunes from. `previous` (default): iteration n − 1's checkpoint (its
   * candidate), the base model for iteration 1. `champion`: the champion's checkpoint, the
   * base model when the champion is the base model (the worker: a rejected candidate is never
   * trained on).
   */
  init?: "previous" | "champion" | undefined;
  /** The arm's data choices; unset fields are the method's (`DEFAULT_ITERATION_POLICY`). */
  policy?: Partial<IterationPolicy> | undefined;
  /** Gold answers of closed questions, for `policy.closedLabels: "gold"`. */
  goldAnswer?: GoldAnswer | undefined;
  /**
   * Iteration n takes the n-th disjoint slice of this many seed prompts (`seedSlice`);
   * unset: every seed prompt.
   */
  promptsPerIteration?: number | undefined;
}

/** `<JURIST_DATA_DIR>/trainer`. */
export function trainerDir(config: Config): string {
  return resolve(config.dataDir, "trainer");
}

/** Iteration n − 1's checkpoint (id and directory) when its fine-tune finished; else the base. */
async function previousCheckpoint(env: TrainerEnv, n: number) {
  if (n <= 1) return { init: null, initUri: "" };
  const state = await env.state.iteration(n - 1);
  return state.completed.includes("fine-tune")
    ? {
        init: state.candidate,
        initUri: join(iterationDir(trainerDir(env.config), n - 1), "checkpoint"),
      }
    : { init: null, initUri: "" };
}

/** The champion's checkpoint; the base (none) when the champion is the base model itself. */
function championCheckpoint(record: CheckpointRecord | null) {
  if (!record || record.id === record.baseModel) return { init: null, initUri: "" };
  return { init: record.id, initUri: record.uri };
}

/** Iteration n − 1's candidate, which judges iteration n under `judge: previous`. */
async function previousCandidate(env: TrainerEnv, n: number): Promise<string> {
  const state = await env.state.iteration(n - 1);
  if (!state.candidate) {
    throw new Error(`iteration ${n - 1} registered no candidate to judge iteration ${n} with`);
  }
  return state.candidate;
}

function samePlan(plan: IterationPlan, policy: IterationPolicy, size: number | null) {
  return (
    plan.promptsPerIteration === size &&
    (Object.keys(policy) as (keyof IterationPolicy)[]).every((k) => plan.policy[k] === policy[k])
  );
}

/**
 * Iteration n's judge, init, policy and seed share: what its state recorded when it started
 * (a resumed iteration keeps them; a rerun asking for other data choices is refused), else
 * decided now (`recordPlan` keeps it before any stage runs).
 */
async function planIteration(
  env: TrainerEnv,
  input: IterationInput,
  n: number,
  champion: string,
  record: CheckpointRecord | null,
): Promise<IterationPlan> {
  const policy = { ...DEFAULT_ITERATION_POLICY, ...input.policy };
  const size = input.promptsPerIteration ?? null;
  const state = await env.state.iteration(n);
  if (state.plan) {
    if (!samePlan(state.plan, policy, size)) {
      throw new Error(
        `iteration ${n} was started with policy ${JSON.stringify(state.plan.policy)} and prompts per iteration ${state.plan.promptsPerIteration ?? "all"}: resume it with the same options`,
      );
    }
    return state.plan;
  }
  const judge = input.judge === "previous" && n > 1 ? await previousCandidate(env, n) : champion;
  const init =
    input.init === "champion" ? championCheckpoint(record) : await previousCheckpoint(env, n);
  return { judge, ...init, policy, promptsPerIteration: size };
}

/** Records iteration n's plan in its state unless it is there already. */
async function recordPlan(env: TrainerEnv, n: number, plan: IterationPlan): Promise<void> {
  const state = await env.state.iteration(n);
  if (state.plan) return;
  await env.state.saveIteration({ ...state, plan, updatedAt: new Date().toISOString() });
}

/** The seed lines iteration n takes, when it takes a slice; throws when the slice is empty. */
async function seedLinesFor(
  env: TrainerEnv,
  input: IterationInput,
  plan: IterationPlan,
  n: number,
  seedFiles: readonly string[],
): Promise<Set<string> | undefined> {
  if (plan.promptsPerIteration === null || seedFiles.length === 0) return undefined;
  const slice = await seedSlice(seedFiles, {
    seed: env.config.trainer.seed,
    iteration: n,
    size: plan.promptsPerIteration,
  });
  if (slice.positions.size === 0 && !input.stream) {
    throw new Error(
      `iteration ${n} has no fresh seed prompts: its slice starts at ${(n - 1) * plan.promptsPerIteration} of ${slice.total}; add seed prompts or take fewer per iteration`,
    );
  }
  return slice.positions;
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
 * Runs the next iteration (resuming an interrupted one): the judge and the checkpoint it
 * trains from as `input.judge` and `input.init` say (by default the champion judges and
 * iteration n − 1's checkpoint is the init), the generator the base model.
 */
export async function runNextIteration(
  env: TrainerEnv,
  input: IterationInput,
): Promise<IterationResult> {
  const champion = (await env.registry.champion()) ?? env.fleet.champion();
  const record = champion ? await env.registry.get(champion) : null;
  const baseModel = record?.baseModel ?? env.fleet.discoveredBaseModel();
  if (!champion || !baseModel) throw new Error("no healthy replica serves a model");
  if (input.policy?.closedLabels === "gold" && !input.goldAnswer) {
    throw new Error("closedLabels gold needs a goldAnswer function");
  }
  if (env.simulated) {
    env.logger.warn("training against SIMULATED replicas: the data and checkpoint are simulated");
  }
  const n = await nextIteration(env.state);
  const plan = await planIteration(env, input, n, champion, record);
  const logger = env.logger.child({ iteration: n });
  logger.info(
    { judge: plan.judge, init: plan.init, generator: baseModel, policy: plan.policy },
    "iteration starting",
  );
  const seedFiles = input.seedFiles.map((file) => resolve(file));
  const seedLines = await seedLinesFor(env, input, plan, n, seedFiles);
  if (plan.judge !== champion) {
    // A candidate judges: its adapter must be on the replicas, as for a gate review.
    await serveCheckpoint(
      {
        registry: env.registry,
        fleet: env.fleet,
        logger,
        loadTimeoutMs: env.config.gates.loadTimeoutMs,
        quorum: env.config.gates.promotionQuorum,
      },
      plan.judge,
    );
  }
  await recordPlan(env, n, plan);
  env.metrics?.iterationStarted(n);
  const ctx: IterationContext = {
    iteration: n,
    dir: iterationDir(trainerDir(env.config), n),
    seed: env.config.trainer.seed,
    engine: env.fleet,
    generator: baseModel,
    judge: plan.judge,
    init: plan.init,
    policy: plan.policy,
    goldAnswer: input.goldAnswer,
    // The serving budget itself (its four bounds are fields of the images settings).
    imageBudget: env.config.images,
    // Follows the fleet: replicas joining or leaving during a long synthesis change it.
    concurrency: trainerCallLimit(
      env.fleet,
      env.config.engine.priority,
      env.config.trainer.concurrency,
    ),
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
        seedFiles,
        seedLines,
        stream: input.stream,
        contamination: env.contamination,
        holdout: { fraction: env.config.trainer.holdoutFraction },
      },
      fineTuneCommand: env.config.trainer.fineTuneCommand,
      datasetImages: env.config.trainer.datasetImages,
      baseModel,
      initCheckpoint: plan.initUri,
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
