import { GENERATOR_PROMPT_VERSION } from "../../src/core/generator-prompts.ts";
import type { Order } from "../../src/core/types.ts";
import { pairIdOf, type SyntheticPair } from "../../trainer/core/synthetic-pair.ts";

/** A synthetic pair with one image, for filter and example tests. */
export function samplePair(
  promptId = "col_1",
  overrides: Partial<SyntheticPair> = {},
): SyntheticPair {
  const chosen = overrides.chosen ?? "Two red cups on the left of a table.";
  const rejected = overrides.rejected ?? "Three red cups on the right of a table.";
  return {
    pairId: pairIdOf(promptId, chosen, rejected),
    promptId,
    question: "Describe the table.",
    imageHashes: ["a".repeat(64)],
    chosen,
    rejected,
    questionKind: "open",
    recipe: "error_injection",
    generator: "base-model",
    generatorPromptVersion: GENERATOR_PROMPT_VERSION,
    ...overrides,
  };
}

/** A judge completion naming `slot`. */
export function says(slot: "A" | "B", why = "It matches the image better."): string {
  return `Assistant ${slot}'s answer is more accurate. ${why}\n[[${slot}]]`;
}

/** Judgements where each order names the chosen response (AB → A, BA → B). */
export function rightInBoth(samples = 1): { order: Order; completions: string[] }[] {
  return [
    { order: "AB", completions: Array.from({ length: samples }, () => says("A")) },
    { order: "BA", completions: Array.from({ length: samples }, () => says("B")) },
  ];
}
