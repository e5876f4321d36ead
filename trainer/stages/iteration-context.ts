import { join } from "node:path";
import type { Logger } from "pino";
import type { JudgeEngine, ResolvedImage } from "../../src/core/types.ts";
import type { ImageBudget } from "../../src/images/image-budget.ts";
import { hashHex } from "../core/seeded-hash.ts";
import type { PoolLimit } from "../io/bounded-pool.ts";

export { ITERATION_STAGES, type IterationStage } from "../../src/core/iteration-stages.ts";

import type { IterationStage } from "../../src/core/iteration-stages.ts";

/**
 * Choices an ablation arm makes about one iteration's data; the defaults are the method's.
 *
 * - `filter`: `both-orders` keeps a pair when the judge names the chosen response in both
 *   orders (one example per order, A/B balanced); `ab-only` keeps it when the judge names it
 *   in the AB order (chosen in slot A), whatever BA said, and the dataset holds only AB
 *   examples, unbalanced (a position-biased dataset); `none` keeps every synthesized pair, an
 *   example per order whose target is the judge's trace where its verdict agrees with the
 *   label, else the bare marker `[[X]]` naming the chosen slot. The judge judges both orders
 *   in every arm.
 * - `labels`: `flipped` reverses every example's label after filtering (the target's final
 *   marker names the other slot; the prompt is unchanged).
 * - `closedLabels`: `gold` makes closed-question pairs from a sample whose answer equals the
 *   gold answer (`goldAnswer`) and one whose answer differs, instead of the majority vote.
 */
export interface IterationPolicy {
  filter: "both-orders" | "ab-only" | "none";
  labels: "synthetic" | "flipped";
  closedLabels: "majority" | "gold";
}

export const DEFAULT_ITERATION_POLICY: Readonly<IterationPolicy> = Object.freeze({
  filter: "both-orders",
  labels: "synthetic",
  closedLabels: "majority",
});

/** The known answer of a closed question (`closedLabels: "gold"`); null when unknown. */
export type GoldAnswer = (question: string, images: ResolvedImage[]) => string | null;

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
  /** The judge checkpoint that filters pairs (the champion, or the previous candidate). */
  judge: string;
  /** The checkpoint the fine-tune starts from; null for the base model. */
  init: string | null;
  /** The arm's data choices (`DEFAULT_ITERATION_POLICY`: the method's). */
  policy: IterationPolicy;
  /** Gold answers of closed questions; required when `policy.closedLabels` is `gold`. */
  goldAnswer?: GoldAnswer | undefined;
  /**
   * The gateway's image budget (the JURIST_IMAGE_* settings): synthesis and the judge filter
   * send each image as serving would, resized when over it.
   */
  imageBudget: ImageBudget;
  /**
   * Engine calls in flight at most, per stage: a number, or the fleet's capacity for the
   * trainer's class for a checkpoint, read again as the stage goes (`trainerCallLimit`).
   */
  concurrency: CallLimit;
  logger: Logger;
  /** Aborting stops a stage after its in-flight records are written. */
  signal: AbortSignal;
  /**
   * Called after each record a resumable stage writes, with the records written so far and
   * the stage's total (progress bars, status, and crash tests).
   */
  onRecord?: ((stage: IterationStage, written: number, total: number) => void) | undefined;
}

/** Engine calls a stage may keep in flight: fixed, or read again for a checkpoint as it runs. */
export type CallLimit = number | ((checkpoint: string) => number);

/**
 * The pool limit of a stage whose items each hold `callsPerItem` engine calls on `checkpoint`
 * at once: the calls allowed divided among items, read again whenever the pool asks.
 */
export function itemLimit(
  ctx: Pick<IterationContext, "concurrency">,
  checkpoint: string,
  callsPerItem: number,
): PoolLimit {
  const { concurrency } = ctx;
  if (typeof concurrency === "number") return Math.max(1, Math.floor(concurrency / callsPerItem));
  return () => Math.max(1, Math.floor(concurrency(checkpoint) / callsPerItem));
}

/** Items a pool limit allows now (for the log). */
export function currentLimit(limit: PoolLimit): number {
  return typeof limit === "number" ? limit : limit();
}

/** The path of a stage file in the iteration directory. */
export function stageFile(ctx: Pick<IterationContext, "dir">, name: string): string {
  return join(ctx.dir, name);
}

/**
 * A deterministic 31-bit request seed for one purpose of one item of one iteration: the
 * iteration is part of it, so two iterations never send byte-identical sampled requests
 * even for the same prompt.
 */
export function requestSeed(
  ctx: Pick<IterationContext, "seed" | "iteration">,
  ...parts: string[]
): number {
  const hex = hashHex("request", ctx.seed, `iteration-${ctx.iteration}`, ...parts);
  return Number.parseInt(hex.slice(0, 8), 16) & 0x7fffffff;
}
