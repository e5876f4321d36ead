import type { CandidateFailure } from "../core/reward-scores.ts";
import type { ImageRef } from "../images/image-intake.ts";

/**
 * What OpenRLHF's remote reward model sends and gets back, transport-free; HTTP maps them to
 * and from `POST /get_reward`'s JSON (`http/reward-json.ts`).
 */

/** OpenRLHF's items: each query is its prompt followed by the policy's response. */
export interface OpenRlhfBatch {
  query: string[];
  /** The prompt each query starts with. */
  prompts: string[];
  /** The reference response of each item; empty or null fails that item. */
  labels?: (string | null)[] | undefined;
  /** Jurist's extension: the images of each item's question. */
  images?: ImageRef[][] | undefined;
}

/**
 * One entry per item of the batch. A failed item has null scores (or the operator's
 * JURIST_REWARD_ON_FAILURE and its probability) and a reason; an empty response the minimum.
 */
export interface OpenRlhfScores {
  /** logit P(response ≻ label). */
  rewards: (number | null)[];
  /** P(response ≻ label), in [0, 1]. */
  probabilities: (number | null)[];
  /** 1 for an item that failed, else 0 (numbers: OpenRLHF logs them as a tensor). */
  failed: number[];
  /** 1 for an item whose response was empty (scored the minimum, not judged), else 0. */
  empty: number[];
  /**
   * Why each item failed (null for those that did not); only when one failed and failed items
   * are null anyway: OpenRLHF turns every extra_logs series into a tensor, and strings break it.
   */
  failureReasons?: (string | null)[];
  failures: CandidateFailure[];
  checkpoint: string | null;
  simulated: boolean;
}
