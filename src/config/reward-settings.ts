import { z } from "zod";
import { POLICY_TEMPLATE_CHOICES, type PolicyTemplate } from "../core/policy-templates.ts";
import { fromJson, intIn } from "./kinds.ts";
import { area, setting } from "./setting.ts";

const marker = z.string().min(1);

/** JURIST_REWARD_POLICY_MARKERS: a JSON object in the environment, an object in a config file. */
const policyMarkers = fromJson(
  z
    .object({
      turnStart: marker,
      headerEnd: marker,
      turnEnd: marker,
      assistantRole: marker,
      stopTokens: z.array(marker).default([]),
      dropTokens: z.array(marker).default([]),
      images: z
        .array(
          z.object({
            placeholder: marker,
            expanded: z
              .object({ before: z.string(), repeated: marker, after: z.string() })
              .optional(),
          }),
        )
        .default([]),
      reasoning: z.object({ start: marker, end: marker }).strict().optional(),
    })
    .strict()
    .transform((markers): PolicyTemplate => ({ name: "custom", ...markers })),
);

/** JURIST_REWARD_ON_FAILURE: `null`, or a finite number (an empty value is neither: not 0). */
const failureReward = z.preprocess((value) => {
  if (value === "null") return null;
  return typeof value === "string" && value.trim() !== "" ? Number(value) : value;
}, z.number().finite().nullable());

export const reward = area(
  "Reward model API",
  "`/v1/reward`, OpenRLHF's `/get_reward` and the gRPC `Reward` call: both orders of every pair, in the batch priority class by default.",
  {
    reward: {
      concurrency: setting({
        env: "JURIST_REWARD_CONCURRENCY",
        schema: intIn(1, 256),
        default: 16,
        doc: "pairs of one reward request judged at once (1–256; each pair is two engine calls)",
      }),
      defaultMode: setting({
        env: "JURIST_REWARD_MODE",
        schema: z.enum(["reasoned", "fast"]),
        default: "reasoned",
        doc: "judge mode of `/v1/reward` requests that name none, and of every `/get_reward` item",
      }),
      policyTemplate: setting({
        env: "JURIST_REWARD_POLICY_TEMPLATE",
        schema: z.enum(POLICY_TEMPLATE_CHOICES),
        default: "auto",
        doc: "the chat template of the policy whose samples `/get_reward` scores: its markup is stripped from the question, its EOS from the response, its expanded image placeholders collapsed before the query is split at its prompt. `auto` detects Qwen (ChatML), Llama 3 or Gemma per item from the query (trying `JURIST_REWARD_POLICY_MARKERS` first when set); `qwen`, `llama`, `gemma` or `custom` (the markers below) apply to every item; `none` takes prompt and response verbatim",
      }),
      policyMarkers: setting({
        env: "JURIST_REWARD_POLICY_MARKERS",
        schema: policyMarkers,
        doc: 'a policy template of your own, as JSON: `{"turnStart":"<|im_start|>","headerEnd":"\\n","turnEnd":"<|im_end|>","assistantRole":"assistant","stopTokens":["<|im_end|>"],"dropTokens":[],"images":[{"placeholder":"<img>","expanded":{"before":"<img>","repeated":"<patch>","after":"</img>"}}]}` (each turn is turnStart + role + headerEnd + content + turnEnd; stopTokens are stripped from a response\'s end, dropTokens everywhere, an image\'s expanded run collapses to its placeholder); required by `custom`, tried first by `auto`',
      }),
      failureReward: setting({
        env: "JURIST_REWARD_ON_FAILURE",
        schema: failureReward,
        default: null,
        shownDefault: "`null`",
        doc: "what `/get_reward` puts in `rewards` for an item it could not judge: `null`, or a number (then `scores` holds its probability, 1/(1+e^−x), and `extra_logs` only numbers; the reasons stay in `failures`). OpenRLHF turns rewards into tensors and stops at a null: set a number (e.g. `0`, a coin flip, or `-9.21`, the minimum) for runs that must go on",
      }),
    },
  },
);
