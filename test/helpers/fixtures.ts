/** A 1×1 transparent PNG: the smallest real image a test can send. */
export const TINY_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=",
  "base64",
);

export const TINY_PNG_DATA_URI = `data:image/png;base64,${TINY_PNG.toString("base64")}`;

/** A valid pairwise body; tests mutate copies of it. */
export function validPairwiseBody(): Record<string, unknown> {
  return {
    question: "How many apples are in the bowl?",
    images: [{ url: TINY_PNG_DATA_URI }],
    responses: ["There are three red apples in the bowl.", "There are five green apples."],
  };
}

/** A one-token A/B completion request, as a fast verdict's engine call asks it. */
export const ONE_LETTER_REQUEST = {
  messages: [{ role: "user" as const, content: "A or B?" }],
  maxTokens: 1,
  temperature: 0,
  seed: 1,
  topLogprobs: 0,
  choice: ["A", "B"],
};
