import { pairwiseSystemPrompt, pairwiseUserText } from "../../src/core/pairwise-template.ts";

/**
 * The chat completion a judge sends a replica for one order of a fast pairwise verdict, built
 * the plain way: the gateway's prompt wording (its two pure text functions), the images' URLs
 * as they came, and the fields Jurist's default configuration sends (one constrained token,
 * temperature 0, five top logprobs). The minimal judge proxy sends it, and the pass-through
 * proxy's image scenarios forward it; a test checks it against what the gateway's own judge
 * core and wire code build (`directChatRequest`).
 */
export interface JudgeChatInput {
  model: string;
  question: string;
  /** Image URLs (data URIs) in the order given: they come first in the user turn. */
  imageUrls: readonly string[];
  slotA: string;
  slotB: string;
  seed: number;
}

/** Jurist's defaults for a fast verdict (config.judge: topLogprobs 5, temperature 0). */
const TOP_LOGPROBS = 5;

export function judgeChatBody(input: JudgeChatInput) {
  return {
    model: input.model,
    messages: [
      { role: "system", content: pairwiseSystemPrompt("fast") },
      {
        role: "user",
        content: [
          ...input.imageUrls.map((url) => ({ type: "image_url", image_url: { url } })),
          { type: "text", text: pairwiseUserText(input) },
        ],
      },
    ],
    max_tokens: 1,
    temperature: 0,
    seed: input.seed,
    n: 1,
    logprobs: true,
    top_logprobs: TOP_LOGPROBS,
    structured_outputs: { choice: ["A", "B"] },
  };
}
