import { createHash } from "node:crypto";
import { errorBody, toAppError } from "../core/errors.ts";
import { isOverBudget, type Reservation } from "../core/inflight-bytes.ts";
import { mapConcurrent } from "../core/map-concurrent.ts";
import {
  MINIMUM_REWARD,
  type PairResult,
  PROBABILITY_FLOOR,
  probabilityOf,
  referenceScores,
} from "../core/reward-scores.ts";
import type { PriorityClass } from "../core/types.ts";
import type { ImageRef } from "../images/image-intake.ts";
import {
  judgePairs,
  type PairContext,
  type PairImages,
  PairImagesFailed,
  type PairTask,
  settledOnce,
} from "./judged-pairs.ts";
import type { OpenRlhfBatch, OpenRlhfScores } from "./openrlhf-batch.ts";
import { type OpenRlhfItem, openRlhfItems } from "./openrlhf-items.ts";
import { templateResolver } from "./policy-text.ts";
import type { RewardServiceDeps } from "./reward-deps.ts";

type Judgeable = Extract<OpenRlhfItem, { ok: true }>;

/**
 * `POST /get_reward` for OpenRLHF's remote reward model: each item's response is judged
 * against its label (the reference method, both orders), all items under one deadline and the
 * reward concurrency, in waves of that many pairs however large the batch. `rewards` are
 * logit P(response ≻ label), `scores` the probability itself (OpenRLHF filters on scores in
 * [0, 1]). An empty response scores MINIMUM_REWARD (probability PROBABILITY_FLOOR) without an
 * engine call. A failed item has its reason in `failures` and null in both, unless the
 * operator chose a number for it (JURIST_REWARD_ON_FAILURE: OpenRLHF crashes on a null).
 */
export function createOpenRlhfRewards(deps: RewardServiceDeps) {
  const templateOf = deps.templateOf ?? templateResolver("auto", undefined);
  const failureReward = deps.failureReward ?? null;
  return async function openRlhf(
    body: OpenRlhfBatch,
    context: PairContext = {},
  ): Promise<OpenRlhfScores> {
    const items = openRlhfItems(body, templateOf);
    const images = await checkImageLists(items, context.signal, context.inflight ?? undefined);
    const reasons = items.map((item) => (item.ok === false ? item.reason : null));
    const judgedItems: number[] = [];
    const tasks: PairTask[] = [];
    const pinned = deps.champion();
    items.forEach((item, index) => {
      if (item.ok !== true) return;
      const checked = images.get(listKey(item.images))!;
      if (typeof checked === "string") {
        reasons[index] = checked;
        return;
      }
      judgedItems.push(index);
      tasks.push(taskOf(item, checked, pinned, context.priority ?? "batch"));
    });
    const judged = await judgePairs(tasks, deps, context);
    const byItem = new Map<number, PairResult>(
      judgedItems.map((item, k) => [item, judged.results[k]!]),
    );
    const checkpoint = judged.checkpoint ?? pinned ?? null;
    const empty = items.map((item) => (item.ok === "empty" ? 1 : 0));
    return answer(reasons, empty, byItem, checkpoint);
  };

  function taskOf(
    item: Judgeable,
    images: PairImages,
    checkpoint: string | undefined,
    priority: PriorityClass,
  ): PairTask {
    return {
      question: item.question,
      images,
      responses: [item.response, item.reference],
      mode: deps.defaultMode,
      swap: true,
      checkpoint,
      priority,
    };
  }

  /**
   * Each distinct image list checked once: how to settle its images (once, when its first item
   * is sent to the engine), or why they could not be had. A list whose resize fails then fails
   * its items alone, as a list refused by its checks does.
   */
  async function checkImageLists(
    items: readonly OpenRlhfItem[],
    signal?: AbortSignal,
    inflight?: Reservation,
  ) {
    const lists = new Map<string, ImageRef[]>();
    for (const item of items) if (item.ok === true) lists.set(listKey(item.images), item.images);
    const entries = [...lists];
    const checked = await mapConcurrent(
      entries,
      deps.concurrency,
      async ([, list]): Promise<PairImages | string> => {
        try {
          const budgeted = await deps.intake.check(list, signal, inflight);
          return settledOnce((runSignal) =>
            deps.intake.settle(budgeted, runSignal).catch((thrown: unknown) => {
              if (runSignal.aborted) throw runSignal.reason;
              throw new PairImagesFailed(imagesFailure(thrown));
            }),
          );
        } catch (thrown) {
          if (signal?.aborted) throw signal.reason;
          // Over the memory budget is the whole request's failure, to retry, not an item's.
          if (isOverBudget(thrown)) throw thrown;
          return imagesFailure(thrown);
        }
      },
    );
    return new Map(entries.map(([key], k) => [key, checked[k]!]));
  }

  function answer(
    reasons: (string | null)[],
    empty: number[],
    byItem: ReadonlyMap<number, PairResult>,
    checkpoint: string | null,
  ): OpenRlhfScores {
    const results = reasons.map((reason, index) => byItem.get(index) ?? { error: reason ?? "" });
    const scored = referenceScores(results);
    const failures = scored.failures.filter((failure) => empty[failure.index] === 0);
    const failed = new Map(failures.map((f) => [f.index, f.reason]));
    const failedProbability = failureReward === null ? null : probabilityOf(failureReward);
    const scores: OpenRlhfScores = {
      rewards: results.map((_, index) => {
        if (empty[index]) return MINIMUM_REWARD;
        return failed.has(index) ? failureReward : scored.scores[index]!;
      }),
      probabilities: results.map((result, index) => {
        if (empty[index]) return PROBABILITY_FLOOR;
        if (failed.has(index) || !("verdict" in result)) return failedProbability;
        return result.verdict.probabilityA;
      }),
      failed: results.map((_, index) => (failed.has(index) ? 1 : 0)),
      empty,
      failures,
      checkpoint,
      simulated: checkpoint !== null && deps.isSimulated(checkpoint),
    };
    // Only when failed items are null: strings break OpenRLHF's tensor logging, and a batch
    // with nulls is already one it cannot train on. With a failure reward, the numbers alone.
    if (failed.size > 0 && failureReward === null) {
      scores.failureReasons = results.map((_, i) => failed.get(i) ?? null);
    }
    return scores;
  }
}

function imagesFailure(thrown: unknown): string {
  const { code, message } = errorBody(toAppError(thrown)).error;
  return `images: ${code}: ${message}`;
}

/**
 * Identifies an image list by a hash of its URLs: a key made of the URLs themselves would copy
 * every inline image once more per item (JSON.parse gives each item its own strings).
 */
function listKey(images: readonly ImageRef[]): string {
  const hash = createHash("sha256");
  // Each URL prefixed by its length: no two lists hash the same text.
  for (const image of images) hash.update(`${image.url.length}:`).update(image.url);
  return hash.digest("base64");
}
