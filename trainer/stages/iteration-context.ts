import { join } from "node:path";
import type { Logger } from "pino";
import type { JudgeEngine } from "../../src/core/types.ts";
import { hashHex } from "../core/seeded-hash.ts";

export { ITERATION_STAGES, type IterationStage } from "../../src/core/iteration-stages.ts";

import type { IterationStage } from "../../src/core/iteration-stages.ts";

/** What every stage of one iteration works with. */
export interface IterationContext {
  iteration: number;
  /** `<JURIST_DATA_DIR>/trainer/iteration-<n>`: every stage file lives here. */
  dir: string;
  /** Seeds every sampled request and seeded choice, so a rerun reproduces the same data. */
  seed: number;
  engine: JudgeEngine;
  /** The model that generates pairs (the base model the fleet serves). */
  generator: string;
  /** The judge checkpoint that filters pairs (the current champion). */
  judge: string;
  /** Engine calls in flight at most, per stage. */
  concurrency: number;
  logger: Logger;
  /** Aborting stops a stage after its in-flight records are written. */
  signal: AbortSignal;
  /**
   * Called after each record a resumable stage writes, with the records written so far and
   * the stage's total (progress bars, status, and crash tests).
   */
  onRecord?: ((stage: IterationStage, written: number, total: number) => void) | undefined;
}

/** The path of a stage file in the iteration directory. */
export function stageFile(ctx: Pick<IterationContext, "dir">, name: string): string {
  return join(ctx.dir, name);
}

/** A deterministic 31-bit request seed for one purpose of one item. */
export function requestSeed(ctx: Pick<IterationContext, "seed">, ...parts: string[]): number {
  return Number.parseInt(hashHex("request", ctx.seed, ...parts).slice(0, 8), 16) & 0x7fffffff;
}
