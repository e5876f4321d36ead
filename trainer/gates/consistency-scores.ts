import type { ItemScore } from "../eval/item-score.ts";

/**
 * Item scores whose "accuracy" is position consistency (1 consistent, 0 not, null when an
 * order could not be parsed), so the paired comparison of accuracies compares consistency on
 * the same items with the same bootstrap.
 */
export function consistencyScores(scores: readonly ItemScore[]): ItemScore[] {
  return scores.map((score) => ({
    ...score,
    accuracy: score.consistent === null ? null : score.consistent ? 1 : 0,
  }));
}
