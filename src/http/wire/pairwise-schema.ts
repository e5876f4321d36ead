import { z } from "zod";
import { IMAGE_URL_RULE, NON_BLANK } from "../../judge/request-checks.ts";
import {
  CHECKPOINT_LIMIT,
  IMAGE_URL_PREFIX,
  MAX_BATCH_ITEMS,
  MAX_IMAGES,
  MAX_SEED,
  RUBRIC_LIMIT,
  TEXT_LIMIT,
} from "../../judge/request-limits.ts";
import { judgeExamples } from "./request-examples.ts";

/**
 * The HTTP wire contract of a pairwise verdict (docs/api.md): what a JSON body must be, what the
 * answer is, and the source of the OpenAPI document. The limits are shared with gRPC
 * (`judge/request-limits.ts`), whose checks give the same errors (`judge/pairwise-checks.ts`).
 */

const nonBlank = (max: number) => z.string().min(1).max(max).regex(/\S/, NON_BLANK);

/** A pinned checkpoint, on every judging request. */
export const checkpointSchema = z
  .string()
  .min(1)
  .max(CHECKPOINT_LIMIT)
  .optional()
  .describe("Pin a checkpoint; default champion");

export const imageRefSchema = z.strictObject({
  url: z
    .string()
    .min(1)
    .regex(IMAGE_URL_PREFIX, IMAGE_URL_RULE)
    .describe("data:image/(png|jpeg|webp|gif);base64,… or http(s)://…"),
});

const pairwiseRequestFields = z.strictObject({
  question: nonBlank(TEXT_LIMIT).describe("The question the responses answer"),
  images: z.array(imageRefSchema).max(MAX_IMAGES).default([]),
  responses: z
    .tuple([nonBlank(TEXT_LIMIT), nonBlank(TEXT_LIMIT)])
    .describe("Exactly two candidate responses: A then B"),
  rubric: z.string().max(RUBRIC_LIMIT).optional().describe("Extra criteria for the judge"),
  mode: z
    .enum(["reasoned", "fast"])
    .default("reasoned")
    .describe("reasoned: reasoning then a verdict; fast: one constrained verdict token"),
  swap: z.boolean().default(true).describe("Judge both orders and combine"),
  checkpoint: checkpointSchema,
  collect: z.boolean().optional().describe("false opts this request out of prompt collection"),
  cache: z.boolean().optional().describe("false bypasses the verdict cache"),
  seed: z
    .number()
    .int()
    .min(0)
    .max(MAX_SEED)
    .optional()
    .describe("Sampling seed, for reproducible verdicts"),
});

/** The body of `POST /v1/judge/pairwise`, with the example the OpenAPI document shows. */
export const pairwiseRequestSchema = pairwiseRequestFields.meta({
  example: judgeExamples.pairwise,
});

const slot = z.enum(["A", "B"]);

export const orderVerdictSchema = z.object({
  order: z.enum(["AB", "BA"]),
  outcome: z.enum(["ok", "invalid"]),
  winner: slot.nullable(),
  probability_a: z.number().nullable(),
  reasoning: z.string(),
  reason: z.string().optional(),
});

export const verdictSchema = z.object({
  id: z.string(),
  outcome: z.enum(["ok", "partial", "abstain"]),
  winner: z.enum(["A", "B", "tie"]).nullable(),
  probability_a: z.number().nullable(),
  consistent: z.boolean().nullable(),
  reasoning: z.string(),
  reason: z.string().optional(),
  orders: z.array(orderVerdictSchema),
  checkpoint: z.string(),
  template: z.string(),
  mode: z.enum(["reasoned", "fast"]),
  cached: z.boolean(),
  simulated: z.boolean(),
  latency_ms: z.number(),
});

export type VerdictWire = z.output<typeof verdictSchema>;

export const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ path: z.string().optional(), reason: z.string() })).optional(),
  }),
});

export const batchRequestSchema = z
  .strictObject({
    items: z
      .array(z.unknown())
      .min(1)
      .max(MAX_BATCH_ITEMS)
      .describe("Pairwise requests; each is validated on its own"),
  })
  .meta({ example: judgeExamples.batch });

export const batchResponseSchema = z.object({
  results: z.array(
    z.union([
      z.object({ index: z.number().int(), verdict: verdictSchema }),
      z.object({ index: z.number().int(), error: errorSchema.shape.error }),
    ]),
  ),
});
