import type { JudgeMode } from "../core/types.ts";
import type { ImageRef } from "../images/image-intake.ts";
import {
  CHECKPOINT_RULE,
  checkImages,
  type ImageInput,
  JUDGE_MODES,
  TEXT_RULE,
} from "../judge/pairwise-checks.ts";
import { type RequestProblems, requestProblems } from "../judge/request-checks.ts";
import { MAX_CANDIDATES } from "./reward-limits.ts";
import { REWARD_METHODS, type RewardMethod, type RewardRequest } from "./reward-request.ts";

export const REFERENCE_NEEDED = "the reference method needs a reference";
export const REFERENCE_UNUSED =
  "round_robin does not use a reference; leave it out or use method reference";

/** A reward request as a transport decoded it, before the checks. */
export interface RewardRequestInput extends Omit<RewardRequest, "images" | "method" | "mode"> {
  images: readonly ImageInput[];
  candidates: string[];
  /** A method's name, whatever the caller sent for one, or undefined for the default. */
  method?: string | undefined;
  /** A mode's name, whatever the caller sent for one, or undefined for the default. */
  mode?: string | undefined;
}

/** The method and reference must agree; shared with HTTP's schema as a refinement. */
export function referenceProblem(method: string | undefined, reference: string | undefined) {
  if (method === "reference" && reference === undefined) return REFERENCE_NEEDED;
  if (method === "round_robin" && reference !== undefined) return REFERENCE_UNUSED;
  return null;
}

function checkFields(problems: RequestProblems, input: RewardRequestInput): void {
  problems.text("question", input.question, TEXT_RULE);
  checkImages(problems, input.images);
  problems.list("candidates", input.candidates, { min: 2, max: MAX_CANDIDATES }, (text, path) =>
    problems.text(path, text, TEXT_RULE),
  );
  if (input.reference !== undefined) problems.text("reference", input.reference, TEXT_RULE);
  if (input.method !== undefined) problems.option("method", input.method, REWARD_METHODS);
  if (input.mode !== undefined) problems.option("mode", input.mode, JUDGE_MODES);
  if (input.checkpoint !== undefined) {
    problems.text("checkpoint", input.checkpoint, CHECKPOINT_RULE);
  }
}

/**
 * The request the reward service takes, or 400 INVALID_REQUEST with every problem, worded as
 * HTTP's schema words them for a JSON body (`http/wire/reward-schema.ts`).
 */
export function checkRewardRequest(input: RewardRequestInput): RewardRequest {
  const problems = requestProblems();
  checkFields(problems, input);
  // Like the schema's refinement, only once every field is of a kind it can read.
  const mismatch = problems.stopped() ? null : referenceProblem(input.method, input.reference);
  if (mismatch) problems.add("reference", mismatch);
  problems.throwIfAny();
  return {
    ...input,
    images: input.images as ImageRef[],
    method: input.method as RewardMethod | undefined,
    mode: input.mode as JudgeMode | undefined,
  };
}
