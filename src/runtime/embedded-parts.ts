import type { Logger } from "pino";
import type { Config } from "../config/config.ts";
import type { ReplicaFleet } from "../engine/replica-fleet.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { Stores } from "../store/create-stores.ts";

/**
 * The parts of the embedded default that live outside the gateway: simulated replicas (sim/)
 * and the in-process trainer (trainer/). The gateway only knows these shapes; the CLI layer
 * (src/embedded-default.ts) hands in implementations that `await import()` the code on first use, so a
 * gateway pointed at real replicas with the embedded trainer off never loads either.
 */
export interface EmbeddedParts {
  /** Unset: no simulator in this process, and no backends is a start-up error. */
  simulation?: Simulation;
  /** Unset: no embedded trainer, whatever JURIST_TRAIN_EMBEDDED says. */
  startTrainer?: StartEmbeddedTrainer;
}

/** What the simulator lends a process that has no real replicas to talk to. */
export interface Simulation {
  /** Starts simulated replicas, each a real HTTP server on a loopback port. */
  startReplicas(settings: SimulatedReplicaSettings, logger: Logger): Promise<SimulatedReplicas>;
  /** Writes simulated benchmark files (`jurist sim make-bench`) for the gates. */
  writeBenchmarks(dir: string, options: { n: number; seed: number }): Promise<SimulatedBenchmarks>;
  /** The simulated world `jurist experiment` runs the loop and its ablations in. */
  world(): Promise<SimulatedWorld>;
}

/**
 * The simulated world as an experiment sees it. Only the `gold` arm's labeller and
 * label-precision measurement may read its truth; the pipeline and the fine-tune never do.
 */
export interface SimulatedWorld {
  /** Generator noise levels it knows (`low`, `high`). */
  noiseLevels: readonly string[];
  /** The parameters of one noise level, recorded in experiment.json. */
  parameters(noise: string): Record<string, unknown>;
  /** Replicas serving the world's base judge and generator at a noise level. */
  startReplicas(options: {
    replicas: number;
    seed: number;
    noise: string;
  }): Promise<SimulatedReplicas>;
  /** Writes `n` seed prompts and their images into `dir`; resolves to the JSONL path. */
  writePrompts(dir: string, n: number, seed: string): Promise<string>;
  /** Writes the base judge as a file for the simulated fine-tune's `--base-profile`. */
  writeBaseProfile(path: string): Promise<string>;
  /** The gold answer of a closed question about these images; null when none. */
  goldAnswer(question: string, images: readonly Buffer[]): string | null;
  /**
   * The truth about a label: 1 when `chosen` is truly better than `rejected` for this question
   * and these images, −1 when worse, 0 when nothing that differs separates them.
   */
  labelTruth(
    question: string,
    images: readonly Buffer[],
    chosen: string,
    rejected: string,
  ): -1 | 0 | 1;
}

export type SimulatedReplicaSettings = Omit<Config["sim"], "allowed">;

export interface SimulatedReplicas {
  urls: string[];
  close(): Promise<void>;
}

/** Paths of the simulated benchmark files, by the names the default gates expect. */
export interface SimulatedBenchmarks {
  vlrb: string;
  mmrb: string;
  heldout: string;
}

/** What the embedded trainer shares with the gateway it runs in. */
export interface EmbeddedTrainerInput {
  config: Config;
  logger: Logger;
  fleet: ReplicaFleet;
  simulated: boolean;
  stores: Stores;
  metrics: Metrics;
  simulation?: Simulation;
  /** Applies a promoted champion in the gateway at once. */
  adopt?: (champion: string) => void;
}

export type StartEmbeddedTrainer = (input: EmbeddedTrainerInput) => EmbeddedTrainer;

export interface EmbeddedTrainer {
  /** Stops after the records in flight are written; resolves when the worker has stopped. */
  stop(): Promise<void>;
}

/** Whether `serve` runs the trainer in its own process (JURIST_TRAIN_EMBEDDED). */
export function embeddedTrainerWanted(config: Config, simulated: boolean): boolean {
  return config.trainer.embedded === "true" || (config.trainer.embedded === "auto" && simulated);
}
