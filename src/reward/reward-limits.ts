/**
 * Limits of reward requests, transport-free: read by the HTTP schemas and the gRPC checks.
 * Text and image limits are the judge's (`src/judge/request-limits.ts`).
 */

/** Candidates per request: a round robin of 16 is 120 pairs, 240 engine calls. */
export const MAX_CANDIDATES = 16;

/**
 * Items per `/get_reward` call. OpenRLHF ≥0.9.1 sends one per call, 0.9.0 a whole rollout
 * batch per server (prompts × samples: a rollout of 1,024 prompts × 16 samples is 16,384), judged in waves under the one deadline. 16,384 items of text are
 * 49,155 JSON values, under the least JURIST_JSON_MAX_VALUES allows (server-settings.ts).
 */
export const MAX_OPENRLHF_ITEMS = 16_384;

/**
 * Items of a `/get_reward` call that carries Jurist's `images` extension: each item's image
 * list adds up to 2 + 2·8 values, so 1,024 items with 8 images each (20,484 values) is the
 * widest such request.
 */
export const MAX_OPENRLHF_IMAGE_ITEMS = 1024;
