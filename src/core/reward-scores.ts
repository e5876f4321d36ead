import { type Comparison, fitBradleyTerry } from "./bradley-terry.ts";
import type { CombinedVerdict } from "./types.ts";

/**
 * Reward scores from judged pairs, transport-free. Every candidate ends with a score or a
 * failure that says why; never a sentinel (-1, 0, a minimum) that a trainer would take for a
 * real reward. (`/get_reward` alone scores an empty generation {@link MINIMUM_REWARD}, which
 * is a reward: nothing is worse than an empty answer; and puts the operator's
 * JURIST_REWARD_ON_FAILURE, if set, in place of a failed item's null.)
 */

/** Probabilities are clamped to [FLOOR, 1 − FLOOR] before the logit, so scores stay finite. */
export const PROBABILITY_FLOOR = 1e-4;

/** What one judged pair came to: its combined verdict, or why it could not be judged. */
export type PairResult = { verdict: CombinedVerdict } | { error: string };

/** A candidate without a score, and why. */
export interface CandidateFailure {
  index: number;
  reason: string;
}

/** A round-robin pair left out of the fit, and why. */
export interface DroppedPair {
  a: number;
  b: number;
  reason: string;
}

export interface RewardScores {
  /** One per candidate, in request order; null exactly for the failed ones. */
  scores: (number | null)[];
  /** Candidate indices, best first; failed candidates last, in index order. */
  ranking: number[];
  failures: CandidateFailure[];
  /** Round-robin pairs that were not judged (empty for the reference method). */
  dropped: DroppedPair[];
}

/** logit(p) of p clamped to [PROBABILITY_FLOOR, 1 − PROBABILITY_FLOOR]. */
export function logitScore(probability: number): number {
  const p = Math.min(1 - PROBABILITY_FLOOR, Math.max(PROBABILITY_FLOOR, probability));
  return Math.log(p / (1 - p));
}

/** The lowest score a judged item can get: logit of the probability floor (≈ −9.21). */
export const MINIMUM_REWARD = logitScore(0);

/** The probability whose {@link logitScore} is `score` (inside the clamp). */
export function probabilityOf(score: number): number {
  return 1 / (1 + Math.exp(-score));
}

/** Indices with a score by descending score (ties by index), then the failed ones. */
export function rankByScore(scores: readonly (number | null)[]): number[] {
  const indices = [...scores.keys()];
  const scored = indices.filter((i) => scores[i] !== null);
  // Array sort is stable and `scored` is in index order, so equal scores stay in index order.
  scored.sort((i, j) => scores[j]! - scores[i]!);
  return [...scored, ...indices.filter((i) => scores[i] === null)];
}

/** Why a pair yields no comparison, or null when it does. */
function unusable(result: PairResult): string | null {
  if ("error" in result) return result.error;
  if (result.verdict.outcome === "abstain") {
    return `the judge abstained: ${result.verdict.reason ?? "no readable verdict"}`;
  }
  return null;
}

/**
 * Reference method: `results[i]` judged candidate i as the caller's A against the reference
 * as B (both orders), so its score is logit P(candidate ≻ reference).
 */
export function referenceScores(results: readonly PairResult[]): RewardScores {
  const failures: CandidateFailure[] = [];
  const scores = results.map((result, index) => {
    const reason =
      unusable(result) ??
      ("verdict" in result && result.verdict.probabilityA === null
        ? "the verdict has no probability (the engine returned no logprobs)"
        : null);
    if (reason !== null) {
      failures.push({ index, reason });
      return null;
    }
    return logitScore((result as { verdict: CombinedVerdict }).verdict.probabilityA!);
  });
  return { scores, ranking: rankByScore(scores), failures, dropped: [] };
}

/** Every unordered pair (a < b) of `count` candidates: count·(count−1)/2 of them. */
export function roundRobinPairs(count: number): [number, number][] {
  const pairs: [number, number][] = [];
  for (let a = 0; a < count; a++) for (let b = a + 1; b < count; b++) pairs.push([a, b]);
  return pairs;
}

/**
 * One comparison per readable order (a partial verdict counts once): a soft win of
 * P(a ≻ b) for that order, or a hard win when the engine gave no logprobs.
 */
function comparisonOf(a: number, b: number, verdict: CombinedVerdict): Comparison {
  const read = verdict.orders.filter((order) => order.outcome === "ok" && order.winner !== null);
  const winsA = read.reduce(
    (sum, order) => sum + (order.probabilityA ?? (order.winner === "A" ? 1 : 0)),
    0,
  );
  return { a, b, winsA, total: read.length };
}

/**
 * Round-robin method: `pairs[k]` judged candidate `a` as the caller's A against `b`. A pair
 * that failed is dropped (its reason kept); a candidate left with no judged pair fails with
 * the first of its pairs' reasons; the rest get Bradley–Terry scores centred to mean 0.
 */
export function roundRobinScores(
  count: number,
  pairs: readonly { a: number; b: number; result: PairResult }[],
): RewardScores {
  const dropped: DroppedPair[] = [];
  const comparisons: Comparison[] = [];
  for (const { a, b, result } of pairs) {
    const reason = unusable(result);
    if (reason !== null) dropped.push({ a, b, reason });
    else comparisons.push(comparisonOf(a, b, (result as { verdict: CombinedVerdict }).verdict));
  }
  const scores = fitBradleyTerry(count, comparisons);
  const failures: CandidateFailure[] = [];
  scores.forEach((score, index) => {
    if (score !== null) return;
    const first = dropped.find((pair) => pair.a === index || pair.b === index);
    const reason = first ? `every comparison failed (first: ${first.reason})` : "never compared";
    failures.push({ index, reason });
  });
  return { scores, ranking: rankByScore(scores), failures, dropped };
}
