import type { CandidateFailure, DroppedPair } from "../core/reward-scores.ts";
import type { JudgeMode } from "../core/types.ts";
import type { ImageRef } from "../images/image-intake.ts";

/**
 * What the reward service takes and answers, transport-free: HTTP maps them to and from
 * `POST /v1/reward`'s JSON (`http/reward-json.ts`), gRPC to and from `jurist.v1.Reward*`.
 */

/** `reference`: logit P(candidate ≻ reference); `round_robin`: Bradley–Terry over all pairs. */
export type RewardMethod = "reference" | "round_robin";

export const REWARD_METHODS: readonly RewardMethod[] = ["reference", "round_robin"];

/** A reward request, checked by the transport. */
export interface RewardRequest {
  question: string;
  images: ImageRef[];
  candidates: string[];
  /** Required by (and only used by) the reference method. */
  reference?: string | undefined;
  /** Undefined: reference when a reference is given, else round_robin. */
  method?: RewardMethod | undefined;
  /** Undefined: the server's default reward mode. */
  mode?: JudgeMode | undefined;
  /** Pinned checkpoint; undefined means the champion. */
  checkpoint?: string | undefined;
}

/** The scores of a reward request's candidates. */
export interface Reward {
  /** One per candidate; null exactly when the candidate failed (see failures). */
  scores: (number | null)[];
  /** Candidate indices, best first; failed ones last. */
  ranking: number[];
  failures: CandidateFailure[];
  method: RewardMethod;
  mode: JudgeMode;
  checkpoint: string;
  simulated: boolean;
  pairs: {
    /** Pairs the method calls for (K, or K·(K−1)/2). */
    total: number;
    /** Pairs with a readable verdict. */
    judged: number;
    /** Round-robin pairs left out of the fit, and why. */
    dropped: DroppedPair[];
  };
  /** Time the service took, whole ms. */
  latencyMs: number;
}
