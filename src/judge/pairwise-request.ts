import type { JudgeMode } from "../core/types.ts";
import type { ImageRef } from "../images/image-intake.ts";

/**
 * A pairwise judging request as the judge service takes it: checked by the transport (HTTP
 * with its JSON schema, gRPC with `pairwise-checks.ts`), defaults applied.
 */
export interface PairwiseRequest {
  question: string;
  images: ImageRef[];
  /** The caller's A, then B. */
  responses: [string, string];
  /** Extra criteria for the judge. */
  rubric?: string | undefined;
  mode: JudgeMode;
  /** Judge both orders and combine. */
  swap: boolean;
  /** Pinned checkpoint; undefined means the champion. */
  checkpoint?: string | undefined;
  /** false opts this request out of prompt collection. */
  collect?: boolean | undefined;
  /** false bypasses the verdict cache. */
  cache?: boolean | undefined;
  /** Sampling seed, for reproducible verdicts. */
  seed?: number | undefined;
}
