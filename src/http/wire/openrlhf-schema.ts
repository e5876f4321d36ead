import { z } from "zod";
import { MAX_IMAGES } from "../../judge/request-limits.ts";
import { MAX_OPENRLHF_ITEMS } from "../../reward/reward-limits.ts";
import { imageRefSchema } from "./pairwise-schema.ts";
import { rewardExamples } from "./request-examples.ts";

/**
 * `POST /get_reward`, the body OpenRLHF's remote reward model posts (`--remote_rm_url`):
 * `{ query, prompts, labels }`, each query being prompt + response. The object is open (unknown
 * keys are ignored) so a newer OpenRLHF adding a field keeps working. Texts are checked per
 * item, so one over-long query fails its item, not the batch.
 */

const texts = z.array(z.string()).max(MAX_OPENRLHF_ITEMS);

export const openRlhfRequestSchema = z
  .object({
    query: texts.min(1).describe("prompt + response, as the policy produced it"),
    prompts: texts.describe("The prompt each query starts with"),
    labels: z
      .array(z.string().nullable())
      .max(MAX_OPENRLHF_ITEMS)
      .optional()
      .describe("The reference response of each item; empty or null fails that item"),
    images: z
      .array(z.array(imageRefSchema).max(MAX_IMAGES))
      .max(MAX_OPENRLHF_ITEMS)
      .optional()
      .describe("Jurist extension: the images of each item's question"),
  })
  .superRefine((body, context) => {
    for (const key of ["prompts", "labels", "images"] as const) {
      const length = body[key]?.length;
      if (length !== undefined && length !== body.query.length) {
        context.addIssue({
          code: "custom",
          path: [key],
          message: `has ${length} entries; query has ${body.query.length}`,
        });
      }
    }
  })
  .meta({ example: rewardExamples.openRlhf });

const perItem = z.array(z.number().nullable());

export const openRlhfResponseSchema = z.object({
  rewards: perItem.describe("logit P(response ≻ label); null when the item failed"),
  scores: perItem.describe("P(response ≻ label), in [0, 1]; null when the item failed"),
  extra_logs: z
    .object({
      jurist_probability: perItem,
      jurist_failed: z.array(z.number().int()),
      failure_reasons: z.array(z.string().nullable()).optional(),
    })
    .describe("Per-item series; failure_reasons only when an item failed"),
  failures: z.array(z.object({ index: z.number().int(), reason: z.string() })),
  checkpoint: z.string().nullable(),
  simulated: z.boolean(),
});

export type OpenRlhfResponse = z.output<typeof openRlhfResponseSchema>;
