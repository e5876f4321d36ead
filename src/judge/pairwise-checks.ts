import type { DataUri, JudgeMode } from "../core/types.ts";
import type { ImageRef } from "../images/image-intake.ts";
import type { PairwiseRequest } from "./pairwise-request.ts";
import {
  IMAGE_URL_RULE,
  type RequestProblems,
  requestProblems,
  type TextRule,
} from "./request-checks.ts";
import {
  CHECKPOINT_LIMIT,
  IMAGE_URL_PREFIX,
  MAX_IMAGES,
  MAX_SEED,
  RESPONSES_PER_REQUEST,
  RUBRIC_LIMIT,
  TEXT_LIMIT,
} from "./request-limits.ts";

export const JUDGE_MODES: readonly JudgeMode[] = ["reasoned", "fast"];

/** A question, response, candidate or reference. */
export const TEXT_RULE: TextRule = { min: 1, max: TEXT_LIMIT, nonBlank: true };
export const CHECKPOINT_RULE: TextRule = { min: 1, max: CHECKPOINT_LIMIT };
const IMAGE_URL: TextRule = {
  min: 1,
  pattern: { regex: IMAGE_URL_PREFIX, message: IMAGE_URL_RULE },
};

/**
 * An image as a transport decoded it: no URL when the caller set neither URL nor bytes. A
 * data URI the transport holds as bytes (gRPC's image bytes, encoded by the transport) has
 * no text to check here: intake checks it whole.
 */
export interface ImageInput {
  url: DataUri | undefined;
}

/** A pairwise request as a transport decoded it, defaults applied, before the checks. */
export interface PairwiseRequestInput
  extends Omit<PairwiseRequest, "images" | "responses" | "mode"> {
  images: readonly ImageInput[];
  responses: readonly string[];
  /** A mode's name, or whatever the caller sent for one. */
  mode: string;
}

/** The images of a request: at most MAX_IMAGES, each with a URL intake can read. */
export function checkImages(problems: RequestProblems, images: readonly ImageInput[]): void {
  problems.list("images", images, { max: MAX_IMAGES }, (image, path) =>
    image.url instanceof Uint8Array
      ? undefined
      : problems.presentText(`${path}.url`, image.url, IMAGE_URL),
  );
}

/**
 * The request the judge service takes, or 400 INVALID_REQUEST with every problem, worded as
 * HTTP's schema words them for a JSON body (`http/wire/pairwise-schema.ts`).
 */
export function checkPairwiseRequest(input: PairwiseRequestInput): PairwiseRequest {
  const problems = requestProblems();
  problems.text("question", input.question, TEXT_RULE);
  checkImages(problems, input.images);
  problems.tuple("responses", input.responses, RESPONSES_PER_REQUEST, (text, path) =>
    problems.text(path, text, TEXT_RULE),
  );
  if (input.rubric !== undefined) problems.text("rubric", input.rubric, { max: RUBRIC_LIMIT });
  problems.option("mode", input.mode, JUDGE_MODES);
  if (input.checkpoint !== undefined) {
    problems.text("checkpoint", input.checkpoint, CHECKPOINT_RULE);
  }
  if (input.seed !== undefined) problems.integer("seed", input.seed, 0, MAX_SEED);
  problems.throwIfAny();
  const [a, b] = input.responses as [string, string];
  return {
    ...input,
    images: input.images as ImageRef[],
    responses: [a, b],
    mode: input.mode as JudgeMode,
  };
}
