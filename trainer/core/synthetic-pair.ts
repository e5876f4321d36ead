import type { Order, Slot } from "../../src/core/types.ts";
import type { QuestionKind } from "./question-classifier.ts";
import { hashHex } from "./seeded-hash.ts";

/** How a pair was made: a majority vote (closed) or an error-injected rewrite (open). */
export type PairRecipe = "majority_vote" | "gold_answer" | "error_injection";

/** A synthetic preference pair: chosen is preferred by construction, not by a label. */
export interface SyntheticPair {
  /** Stable id, `pairIdOf(promptId, chosen, rejected)`. */
  pairId: string;
  /** The source prompt's id (the prompt log's `col_…` id or a seed prompt id). */
  promptId: string;
  question: string;
  /** SHA-256s of the prompt's images, in prompt order. */
  imageHashes: string[];
  chosen: string;
  rejected: string;
  questionKind: QuestionKind;
  recipe: PairRecipe;
  /** The model (served name or checkpoint) that generated both responses. */
  generator: string;
  /** `GENERATOR_PROMPT_VERSION` of the prompts that produced the responses. */
  generatorPromptVersion: string;
}

/** A stable pair id from its prompt and texts: the same pair gets the same id on every run. */
export function pairIdOf(promptId: string, chosen: string, rejected: string): string {
  return `pair_${hashHex("pair", promptId, chosen, rejected).slice(0, 24)}`;
}

/**
 * The slot holding the chosen response in an order. Orders follow the gateway's
 * convention with the pair's [chosen, rejected] as the caller's [A, B]: `AB` puts chosen
 * in slot A, `BA` puts it in slot B.
 */
export function chosenSlot(order: Order): Slot {
  return order === "AB" ? "A" : "B";
}

/** The texts in slots A and B for an order. */
export function slotsFor(pair: SyntheticPair, order: Order): { slotA: string; slotB: string } {
  return order === "AB"
    ? { slotA: pair.chosen, slotB: pair.rejected }
    : { slotA: pair.rejected, slotB: pair.chosen };
}
