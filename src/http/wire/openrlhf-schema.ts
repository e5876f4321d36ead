import { z } from "zod";
import { MAX_IMAGES } from "../../judge/request-limits.ts";
import { MAX_OPENRLHF_IMAGE_ITEMS, MAX_OPENRLHF_ITEMS } from "../../reward/reward-limits.ts";
import { imageRefSchema } from "./pairwise-schema.ts";
import { rewardExamples } from "./request-examples.ts";

/**
 * `POST /get_reward`, the body OpenRLHF's remote reward model posts (`--remote_rm_url`):
 * `{ query, prompts, labels }`, each query being prompt + response. The object is open (unknown
 * keys are ignored) so a newer OpenRLHF adding a field keeps working. Texts and labels are
 * checked per item, so one over-long query or empty label fails its item, not the batch.
 */

const tooMany = `at most ${MAX_OPENRLHF_ITEMS} items per request: split the batch (several --remote_rm_url servers each get a share)`;
const texts = z.array(z.string()).max(MAX_OPENRLHF_ITEMS, tooMany);

export const openRlhfRequestSchema = z
  .object({
    query: texts.min(1).describe("prompt + response, as the policy produced it"),
    prompts: texts.describe("The prompt each query starts with"),
    labels: z
      .array(z.unknown())
      .max(MAX_OPENRLHF_ITEMS, tooMany)
      .optional()
      .describe(
        "The reference response of each item, any JSON value: numbers and booleans are taken as their text, objects and arrays as JSON; empty or null fails that item",
      ),
    images: z
      .array(z.array(imageRefSchema).max(MAX_IMAGES))
      .max(
        MAX_OPENRLHF_IMAGE_ITEMS,
        `at most ${MAX_OPENRLHF_IMAGE_ITEMS} items per request carry images: split the batch`,
      )
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

export type OpenRlhfRequest = z.output<typeof openRlhfRequestSchema>;

const perItem = z.array(z.number().nullable());

export const openRlhfResponseSchema = z.object({
  rewards: perItem.describe(
    "logit P(response ≻ label); an empty response the minimum (logit of 0.0001, −9.21); a failed item null, or JURIST_REWARD_ON_FAILURE when set",
  ),
  scores: perItem.describe(
    "P(response ≻ label), in [0, 1]; an empty response 0.0001; a failed item null, or the probability of JURIST_REWARD_ON_FAILURE when set",
  ),
  extra_logs: z
    .object({
      jurist_probability: perItem,
      jurist_failed: z.array(z.number().int()),
      jurist_empty: z.array(z.number().int()),
      failure_reasons: z.array(z.string().nullable()).optional(),
    })
    .describe(
      "Per-item series; failure_reasons only when an item failed and failed items are null (OpenRLHF makes every series a tensor)",
    ),
  failures: z.array(z.object({ index: z.number().int(), reason: z.string() })),
  checkpoint: z.string().nullable(),
  simulated: z.boolean(),
});

export type OpenRlhfResponse = z.output<typeof openRlhfResponseSchema>;
