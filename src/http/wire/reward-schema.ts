import { z } from "zod";
import { NON_BLANK } from "../../judge/request-checks.ts";
import { MAX_IMAGES, TEXT_LIMIT } from "../../judge/request-limits.ts";
import { referenceProblem } from "../../reward/reward-checks.ts";
import { MAX_CANDIDATES } from "../../reward/reward-limits.ts";
import { checkpointSchema, imageRefSchema } from "./pairwise-schema.ts";
import { rewardExamples } from "./request-examples.ts";

/**
 * The HTTP wire contract of `POST /v1/reward` (docs/reward-and-rlhf.md) and the source of its OpenAPI
 * document. The limits are shared with gRPC, whose checks give the same errors
 * (`reward/reward-checks.ts`).
 */

const nonBlank = (max: number) => z.string().min(1).max(max).regex(/\S/, NON_BLANK);

const rewardMethodSchema = z.enum(["reference", "round_robin"]);

const judgeModeSchema = z.enum(["reasoned", "fast"]);

export const rewardRequestSchema = z
  .strictObject({
    question: nonBlank(TEXT_LIMIT).describe("The question the candidates answer"),
    images: z.array(imageRefSchema).max(MAX_IMAGES).default([]),
    candidates: z
      .array(nonBlank(TEXT_LIMIT))
      .min(2)
      .max(MAX_CANDIDATES)
      .describe("2 to 16 candidate responses to score"),
    reference: nonBlank(TEXT_LIMIT)
      .optional()
      .describe("The reference response; required by (and only used by) the reference method"),
    method: rewardMethodSchema
      .optional()
      .describe(
        "reference: logit P(candidate ≻ reference); round_robin: Bradley–Terry over all pairs. " +
          "Default: reference when a reference is given, else round_robin",
      ),
    mode: judgeModeSchema
      .optional()
      .describe("Judge mode; default the server's JURIST_REWARD_MODE"),
    checkpoint: checkpointSchema,
  })
  .superRefine((request, context) => {
    const problem = referenceProblem(request.method, request.reference);
    if (problem) context.addIssue({ code: "custom", path: ["reference"], message: problem });
  })
  .meta({ example: rewardExamples.reward });

export const rewardResponseSchema = z.object({
  scores: z
    .array(z.number().nullable())
    .describe("One per candidate; null exactly when the candidate failed (see failures)"),
  ranking: z.array(z.number().int()).describe("Candidate indices, best first; failed ones last"),
  failures: z.array(z.object({ index: z.number().int(), reason: z.string() })),
  method: rewardMethodSchema,
  mode: judgeModeSchema,
  checkpoint: z.string(),
  simulated: z.boolean(),
  pairs: z.object({
    total: z.number().int().describe("Pairs the method calls for (K, or K·(K−1)/2)"),
    judged: z.number().int().describe("Pairs with a readable verdict"),
    dropped: z
      .array(z.object({ a: z.number().int(), b: z.number().int(), reason: z.string() }))
      .describe("Round-robin pairs left out of the fit, and why"),
  }),
  latency_ms: z.number(),
});

export type RewardWire = z.output<typeof rewardResponseSchema>;
