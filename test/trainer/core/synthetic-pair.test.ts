import t from "tap";
import { GENERATOR_PROMPT_VERSION } from "../../../src/core/generator-prompts.ts";
import {
  chosenSlot,
  pairIdOf,
  type SyntheticPair,
  slotsFor,
} from "../../../trainer/core/synthetic-pair.ts";

const pair: SyntheticPair = {
  pairId: pairIdOf("col_1", "Three cups.", "Two cups."),
  promptId: "col_1",
  question: "How many cups?",
  imageHashes: ["a".repeat(64)],
  chosen: "Three cups.",
  rejected: "Two cups.",
  questionKind: "closed",
  recipe: "majority_vote",
  generator: "base-model",
  generatorPromptVersion: GENERATOR_PROMPT_VERSION,
};

t.test("a pair id is stable across runs and names its prompt and both texts", async (t) => {
  // Pinned: datasets and manifests of earlier runs refer to pairs by this id.
  t.equal(pairIdOf("col_1", "Three cups.", "Two cups."), "pair_a8183e34eadfbb2b2e864785");
  t.match(pairIdOf("seed_9", "", ""), /^pair_[0-9a-f]{24}$/);
  const id = pairIdOf("col_1", "Three cups.", "Two cups.");
  t.not(pairIdOf("col_2", "Three cups.", "Two cups."), id, "another prompt");
  t.not(pairIdOf("col_1", "Two cups.", "Three cups."), id, "chosen and rejected swapped");
  t.not(pairIdOf("col_1", "Three cups!", "Two cups."), id, "another chosen text");
  t.not(pairIdOf("col_1", "Three cups.", "Two cups!"), id, "another rejected text");
});

t.test("AB puts the chosen response in slot A, BA in slot B", async (t) => {
  t.equal(chosenSlot("AB"), "A");
  t.equal(chosenSlot("BA"), "B");
  t.same(slotsFor(pair, "AB"), { slotA: "Three cups.", slotB: "Two cups." });
  t.same(slotsFor(pair, "BA"), { slotA: "Two cups.", slotB: "Three cups." });
});
