import { renderPairwisePrompt } from "../../src/core/pairwise-template.ts";
import type { Order, ResolvedImage } from "../../src/core/types.ts";
import { budgetRefusal } from "../../src/images/budgeted-image.ts";
import {
  type FilterRejection,
  filterJudgedPairFor,
  type OrderJudgements,
} from "../core/judge-filter.ts";
import type { SyntheticPair } from "../core/synthetic-pair.ts";
import { slotsFor } from "../core/synthetic-pair.ts";
import type { TrainingExample } from "../core/training-example.ts";
import { runBounded } from "../io/bounded-pool.ts";
import { loadImages } from "../io/image-files.ts";
import { openJournal, readRecords } from "../io/record-journal.ts";
import { createWriteBehind } from "../io/write-behind.ts";
import { untilAdmitted } from "./admitted-call.ts";
import {
  currentLimit,
  type IterationContext,
  itemLimit,
  requestSeed,
  stageFile,
} from "./iteration-context.ts";
import { SYNTHESIZE_FILE, type SynthesisRecord } from "./synthesize.ts";

/** How the judge is asked: reasoned mode, one sample per order at temperature 0 by default. */
export interface JudgeSettings {
  samplesPerOrder: number;
  temperature: number;
  maxTokens: number;
}

export const DEFAULT_JUDGE_SETTINGS: JudgeSettings = {
  samplesPerOrder: 1,
  temperature: 0,
  maxTokens: 1024,
};

/** One judged pair, keyed by pair id: the raw completions per order and the filter's outcome. */
export interface JudgeRecord {
  id: string;
  pair: SyntheticPair;
  imagePaths: string[];
  judgeCheckpoint: string;
  judgements: OrderJudgements[];
  kept: boolean;
  /** `image_refused`: the image budget refused the pair's image, so it was never judged. */
  reason?: FilterRejection | "image_refused";
  failedOrder?: Order;
  detail?: string;
  /** One example per order when kept (before A/B balancing); AB only under `ab-only`. */
  examples: TrainingExample[];
  /** Under `filter: "none"`: orders whose target is the bare marker (the judge disagreed). */
  bareTraces?: Order[];
}

export const JUDGE_FILE = "judge.jsonl";

const ORDERS: readonly Order[] = ["AB", "BA"];

async function judgeBothOrders(
  ctx: IterationContext,
  record: Extract<SynthesisRecord, { outcome: "pair" }>,
  images: ResolvedImage[],
  settings: JudgeSettings,
): Promise<OrderJudgements[]> {
  // One session: both orders on the same replica, so its prefix cache shares the image.
  const session = ctx.engine.session(ctx.judge, { priority: "batch", work: "trainer" });
  return Promise.all(
    ORDERS.map(async (order) => {
      const completions = await session.complete(
        {
          messages: renderPairwisePrompt({
            question: record.pair.question,
            images,
            ...slotsFor(record.pair, order),
            mode: "reasoned",
          }),
          maxTokens: settings.maxTokens,
          temperature: settings.temperature,
          n: settings.samplesPerOrder,
          seed: requestSeed(ctx, record.pair.pairId, "judge", order),
          topLogprobs: 0,
        },
        ctx.signal,
      );
      return { order, completions: completions.map((c) => c.text) };
    }),
  );
}

/**
 * The record of a pair whose image the budget refuses (it passed at synthesis, so the file
 * or the JURIST_IMAGE_* settings changed since): not kept, never judged, and recorded, as
 * every later attempt would be refused the same.
 */
function refusedRecord(
  ctx: IterationContext,
  record: Extract<SynthesisRecord, { outcome: "pair" }>,
  detail: string,
): JudgeRecord {
  return {
    id: record.pair.pairId,
    pair: record.pair,
    imagePaths: record.imagePaths,
    judgeCheckpoint: ctx.judge,
    judgements: [],
    kept: false,
    reason: "image_refused",
    detail,
    examples: [],
  };
}

/** The pair's images fitted to the budget as serving fits them, or why the budget refused one. */
async function pairImages(
  ctx: IterationContext,
  record: Extract<SynthesisRecord, { outcome: "pair" }>,
): Promise<ResolvedImage[] | { refused: string }> {
  try {
    return await loadImages(record.imagePaths, ctx.imageBudget);
  } catch (error) {
    const refusal = budgetRefusal(error);
    if (!refusal) throw error;
    return { refused: `${refusal}: ${(error as Error).message}` };
  }
}

function toRecord(
  ctx: IterationContext,
  record: Extract<SynthesisRecord, { outcome: "pair" }>,
  judgements: OrderJudgements[],
): JudgeRecord {
  const input = {
    pair: record.pair,
    judgements,
    imagePaths: record.imagePaths,
    judgeCheckpoint: ctx.judge,
    initCheckpoint: ctx.init,
    iteration: ctx.iteration,
  };
  const base = {
    id: record.pair.pairId,
    pair: record.pair,
    imagePaths: record.imagePaths,
    judgeCheckpoint: ctx.judge,
    judgements,
  };
  const result = filterJudgedPairFor(input, ctx.policy.filter);
  if (result.kept) {
    const bare = result.bareTraces?.length ? { bareTraces: result.bareTraces } : {};
    return { ...base, kept: true, examples: result.examples, ...bare };
  }
  return {
    ...base,
    kept: false,
    reason: result.reason,
    failedOrder: result.order,
    detail: result.detail,
    examples: [],
  };
}

/**
 * The iteration's judge judges every synthesized pair in both orders; by default a pair is
 * kept only when both orders prefer the chosen response (`filterJudgedPair`; the arms of
 * `IterationPolicy.filter` keep otherwise). Images are fitted to `ctx.imageBudget` as serving
 * fits them; a pair whose image the budget refuses is recorded as not kept
 * (`image_refused`). Resumable by pair id. A pair whose judging fails after retries is not
 * recorded, so the next run judges it again.
 */
export async function runJudgeFilter(
  ctx: IterationContext,
  settings: JudgeSettings = DEFAULT_JUDGE_SETTINGS,
): Promise<void> {
  const synthesized = await readRecords<SynthesisRecord>(stageFile(ctx, SYNTHESIZE_FILE));
  const pairs = synthesized.filter(
    (r): r is Extract<SynthesisRecord, { outcome: "pair" }> => r.outcome === "pair",
  );
  const journal = await openJournal<JudgeRecord>(stageFile(ctx, JUDGE_FILE));
  const todo = pairs.filter((r) => !journal.has(r.pair.pairId));
  // A pair holds two calls at once: its orders go together.
  const limit = itemLimit(ctx, ctx.judge, ORDERS.length);
  ctx.logger.info(
    {
      stage: "judge",
      pairs: pairs.length,
      done: pairs.length - todo.length,
      judge: ctx.judge,
      pairsAtOnce: currentLimit(limit),
    },
    "judge filter starting",
  );
  const writes = createWriteBehind();
  try {
    await runBounded(
      todo,
      limit,
      async (record) => {
        const images = await pairImages(ctx, record);
        let judgements: OrderJudgements[] | null = null;
        for (let attempt = 0; attempt < 3 && !judgements && Array.isArray(images); attempt++) {
          try {
            judgements = await untilAdmitted(
              () => judgeBothOrders(ctx, record, images, settings),
              ctx.signal,
            );
          } catch (error) {
            if (ctx.signal.aborted || attempt === 2) throw error;
          }
        }
        const judged = Array.isArray(images)
          ? toRecord(ctx, record, judgements!)
          : refusedRecord(ctx, record, images.refused);
        writes.check();
        writes.add(
          journal
            .append(judged)
            .then(() => ctx.onRecord?.("judge", journal.records.size, pairs.length)),
        );
      },
      ctx.signal,
    );
    await writes.settle();
  } finally {
    await writes.settle().catch(() => {});
    await journal.close();
  }
  const kept = [...journal.records.values()].filter((r) => r.kept).length;
  ctx.logger.info({ stage: "judge", judged: journal.records.size, kept }, "judge filter done");
}
