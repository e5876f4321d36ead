import type { OpenRlhfBatch, OpenRlhfScores } from "../reward/openrlhf-batch.ts";
import type { Reward } from "../reward/reward-request.ts";
import type { OpenRlhfRequest, OpenRlhfResponse } from "./wire/openrlhf-schema.ts";
import type { RewardWire } from "./wire/reward-schema.ts";

/** The `POST /v1/reward` body of a reward. */
export function rewardJson(reward: Reward): RewardWire {
  return {
    scores: reward.scores,
    ranking: reward.ranking,
    failures: reward.failures,
    method: reward.method,
    mode: reward.mode,
    checkpoint: reward.checkpoint,
    simulated: reward.simulated,
    pairs: reward.pairs,
    latency_ms: reward.latencyMs,
  };
}

/**
 * The `POST /get_reward` body OpenRLHF reads: `scores` is the probability (it filters on
 * [0, 1]), and the per-item series go in `extra_logs`, which it logs.
 */
export function openRlhfJson(scores: OpenRlhfScores): OpenRlhfResponse {
  const extra: OpenRlhfResponse["extra_logs"] = {
    jurist_probability: scores.probabilities,
    jurist_failed: scores.failed,
    jurist_empty: scores.empty,
  };
  if (scores.failureReasons) extra.failure_reasons = scores.failureReasons;
  return {
    rewards: scores.rewards,
    scores: scores.probabilities,
    extra_logs: extra,
    failures: scores.failures,
    checkpoint: scores.checkpoint,
    simulated: scores.simulated,
  };
}

/**
 * The batch of a `POST /get_reward` body. A label is whatever the dataset's `--label_key`
 * column held: numbers and booleans become their text (Python's `json.dumps` wrote them),
 * objects and arrays their JSON; null stays null (that item fails, not the request).
 */
export function openRlhfBatch(body: OpenRlhfRequest): OpenRlhfBatch {
  return { ...body, labels: body.labels?.map(labelText) };
}

function labelText(label: unknown): string | null {
  if (label === null || label === undefined) return null;
  if (typeof label === "string") return label;
  if (typeof label === "object") return JSON.stringify(label);
  return String(label);
}
