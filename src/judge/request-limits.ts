/**
 * Limits of a judging request, transport-free: the HTTP schemas and the gRPC checks both read
 * them, so a request too big for one transport is too big for the other.
 */

/** Longest question, response, candidate or reference, in UTF-16 code units (as zod counts). */
export const TEXT_LIMIT = 32_768;

/** Longest rubric. */
export const RUBRIC_LIMIT = 4_096;

/** Longest checkpoint id a request may pin. */
export const CHECKPOINT_LIMIT = 256;

/** Images per request (per item for /get_reward). */
export const MAX_IMAGES = 8;

/** Responses a pairwise request compares: A and B. */
export const RESPONSES_PER_REQUEST = 2;

/** Largest sampling seed: vLLM takes a signed 32-bit one. */
export const MAX_SEED = 2 ** 31 - 1;

/** What an image URL may be: an inline image of a type intake reads, or a remote one. */
export const IMAGE_URL_PREFIX = /^(data:image\/(png|jpeg|webp|gif);base64,|https?:\/\/)/i;

/** Pairwise requests per `POST /v1/judge/batch`. */
export const MAX_BATCH_ITEMS = 256;
