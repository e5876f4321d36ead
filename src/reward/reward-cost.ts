import type { OpenRlhfBatch } from "./openrlhf-batch.ts";
import type { RewardMethod, RewardRequest } from "./reward-request.ts";

/** The method a request is scored by: the reference method exactly when a reference is given. */
export function rewardMethodOf(request: Pick<RewardRequest, "method" | "reference">): RewardMethod {
  return request.method ?? (request.reference === undefined ? "round_robin" : "reference");
}

/**
 * The verdicts a reward request asks for, which is what it costs against a rate limit: one
 * per pair the method judges (K candidates against the reference, or K·(K−1)/2 for a round
 * robin), each pair being one verdict of both orders, as a pairwise judgement is.
 */
export function rewardVerdictCount(
  request: Pick<RewardRequest, "method" | "reference" | "candidates">,
): number {
  const candidates = request.candidates.length;
  return rewardMethodOf(request) === "reference" ? candidates : (candidates * (candidates - 1)) / 2;
}

/** The verdicts a `/get_reward` batch asks for: one per item (its response against its label). */
export function openRlhfVerdictCount(batch: Pick<OpenRlhfBatch, "query">): number {
  return batch.query.length;
}
