import type { z } from "zod";
import { AppError, errorBody } from "../core/errors.ts";
import type { BatchItem, BatchResult } from "../judge/judge-service.ts";
import { verdictJson } from "./verdict-json.ts";
import { type batchResponseSchema, pairwiseRequestSchema } from "./wire/pairwise-schema.ts";
import { issuesToDetails } from "./wire/validation-details.ts";

type BatchResponse = z.output<typeof batchResponseSchema>;

/**
 * Each item of a `/v1/judge/batch` body checked on its own against the pairwise schema: a bad
 * item is refused with details under `items.<index>`, and never fails the batch.
 */
export function readBatchItems(items: readonly unknown[]): BatchItem[] {
  return items.map((item, index) => {
    const parsed = pairwiseRequestSchema.safeParse(item);
    if (parsed.success) return { request: parsed.data };
    const refused = new AppError("INVALID_REQUEST", "the item does not match the schema", {
      details: issuesToDetails(parsed.error.issues, `items.${index}`),
    });
    return { refused };
  });
}

/** The `/v1/judge/batch` body: each item's verdict or error object, by index. */
export function batchJson(results: readonly BatchResult[]): BatchResponse {
  return {
    results: results.map((result) =>
      "verdict" in result
        ? { index: result.index, verdict: verdictJson(result.verdict) }
        : { index: result.index, error: errorBody(result.error).error },
    ),
  };
}
