/**
 * Limits of reward requests, transport-free: read by the HTTP schemas and the gRPC checks.
 * Text and image limits are the judge's (`src/judge/request-limits.ts`).
 */

/** Candidates per request: a round robin of 16 is 120 pairs, 240 engine calls. */
export const MAX_CANDIDATES = 16;

/** Items per `/get_reward` call: OpenRLHF sends one per call; a custom client may batch. */
export const MAX_OPENRLHF_ITEMS = 1024;
