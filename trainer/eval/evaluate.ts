import { AppError } from "../../src/core/errors.ts";
import { mapConcurrent } from "../../src/core/map-concurrent.ts";
import {
  createPairwiseJudge,
  type PairwiseJudge,
  type PairwiseJudgeSettings,
} from "../../src/core/pairwise-judge.ts";
import type { JudgeEngine } from "../../src/core/types.ts";
import type { ImageBudget } from "../../src/images/image-budget.ts";
import { seededIndex } from "../core/seeded-hash.ts";
import type { EvalItem } from "./eval-item.ts";
import { buildEvalReport, type EvalReport } from "./eval-report.ts";
import { resolveItemImages, storedResponses } from "./item-resolution.ts";
import { type ItemScore, scoreItem, type UnparseablePolicy } from "./item-score.ts";
import { type OrderRecords, slotRecords, slotVerdicts } from "./slot-verdicts.ts";
import type { BootstrapOptions } from "./stratified-bootstrap.ts";

/** What became of one benchmark item. */
export interface ItemResult {
  key: string;
  id: string;
  category: string;
  /** Whether the file stores the chosen response first (the judge's `AB` prompt keeps that order). */
  firstIsChosen: boolean;
  /** `judged`: both orders ran; `skipped`: not judged by design (`skipped` says why); `failed`: an error. */
  status: "judged" | "skipped" | "failed";
  /** Slot verdicts and reasoning, keyed as `scoreItem` keys them; null unless judged. */
  orders: OrderRecords | null;
  /** Null unless judged. */
  score: ItemScore | null;
  /** The replica that judged it. */
  replica?: string;
  skipped?: string;
  error?: string;
}

/** One checkpoint's evaluation on one benchmark's items. */
export interface EvaluationRun {
  checkpoint: string;
  unparseable: UnparseablePolicy;
  seed: number;
  /** One per input item, in input order. */
  items: ItemResult[];
  /** The judged items' scores, in input order. */
  scores: ItemScore[];
  report: EvalReport;
}

export interface EvaluateOptions {
  engine: JudgeEngine;
  /** The checkpoint id to pin every session to (resolve the champion before calling). */
  checkpoint: string;
  items: readonly EvalItem[];
  /** Items judged at once (each runs its two orders concurrently). */
  concurrency: number;
  /** The judge's settings; the temperature is forced to 0 so a rerun gives the same verdicts. */
  settings: PairwiseJudgeSettings;
  /**
   * The gateway's image budget (the JURIST_IMAGE_* settings): every image is fitted to it as
   * serving fits it, so the checkpoint judges the pixels it would judge in production.
   */
  imageBudget: ImageBudget;
  unparseable: UnparseablePolicy;
  /** Seeds each item's sampling (with its key) and the `random` policy's coin. */
  seed: number;
  /** Bootstrap of the macro interval; the seed defaults to `seed`. */
  bootstrap?: BootstrapOptions;
  /** Aborting rejects the run; results so far are discarded. */
  signal?: AbortSignal;
  /** Called after each item with the items finished and the total. */
  onProgress?: (done: number, total: number) => void;
  /** The vLLM priority class of its calls: `gate` for a promotion gate; `batch` by default. */
  work?: "batch" | "gate";
}

/** The item's sampling seed: a hash of the run seed and its key, so order and concurrency do not matter. */
export function itemSeed(seed: number, key: string): number {
  return seededIndex(2 ** 31, "eval-item", seed, key);
}

function baseResult(item: EvalItem) {
  const { key, id, category, firstIsChosen } = item;
  return { key, id, category, firstIsChosen, orders: null, score: null };
}

async function judgeItem(
  judge: PairwiseJudge,
  item: EvalItem,
  options: EvaluateOptions,
): Promise<ItemResult> {
  const images = await resolveItemImages(item, options.imageBudget);
  if (!Array.isArray(images)) return { ...baseResult(item), status: "skipped", ...images };
  const result = await judge.judge(
    {
      question: item.question,
      images,
      responses: storedResponses(item),
      mode: "reasoned",
      swap: true,
      checkpoint: options.checkpoint,
      seed: itemSeed(options.seed, item.key),
      // Bulk work: it takes the batch share of the replicas, never live verdicts' reserve.
      priority: "batch",
      work: options.work ?? "batch",
    },
    options.signal,
  );
  const orders = slotRecords(result.orders, item.firstIsChosen);
  const score = scoreItem(
    { key: item.key, category: item.category, verdicts: slotVerdicts(orders) },
    { unparseable: options.unparseable, seed: options.seed },
  );
  return { ...baseResult(item), status: "judged", orders, score, replica: result.replica };
}

/**
 * Judges every item in both orders with reasoned verdicts and scores it under the
 * unparseable policy, its images fitted to the image budget. An item skipped by design (an
 * image URL, an image the budget refuses) is listed with its reason and left out of the
 * scores. An item that cannot be judged (an image file gone, an engine error
 * after the fleet's retries) is recorded as `failed` with its error and left out of the
 * scores, so one bad item never sinks a long run; the report counts such items and callers
 * decide whether a partial run is acceptable. Aborting `signal` rejects the whole run.
 */
export async function evaluateCheckpoint(options: EvaluateOptions): Promise<EvaluationRun> {
  const { items, signal } = options;
  const judge = createPairwiseJudge({
    engine: options.engine,
    settings: { ...options.settings, temperature: 0 },
  });
  let done = 0;
  const results = await mapConcurrent(items, options.concurrency, async (item) => {
    signal?.throwIfAborted();
    const result = await judgeItem(judge, item, options).catch((error: unknown) => {
      signal?.throwIfAborted();
      return { ...baseResult(item), status: "failed" as const, error: describe(error) };
    });
    options.onProgress?.(++done, items.length);
    return result;
  });
  const scores = results.flatMap((r) => (r.score ? [r.score] : []));
  return {
    checkpoint: options.checkpoint,
    unparseable: options.unparseable,
    seed: options.seed,
    items: results,
    scores,
    report: buildEvalReport(scores, { seed: options.seed, ...options.bootstrap }),
  };
}

function describe(error: unknown): string {
  if (error instanceof AppError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
