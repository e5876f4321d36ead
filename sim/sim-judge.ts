import type { Random } from "../src/core/seeded-random.ts";
import type { Slot } from "../src/core/types.ts";
import { simBenchCategory } from "./sim-bench-category.ts";
import { compareQuality } from "./text-quality.ts";

/** How one served model (base or LoRA adapter) judges. */
export interface JudgeProfile {
  /** P(naming the truly better slot) when not lapsing to slot A, in [0, 1]. */
  accuracy: number;
  /** P(naming slot A whatever the content), in [0, 1]. */
  positionBias: number;
  /**
   * Accuracy on the items of one simulated benchmark category, overriding `accuracy` there,
   * so a gate guarding one category can be seen to catch a checkpoint weak only in it. Keys
   * are the loaders' category names ("hallucination", "reasoning/math") or a split category's
   * group ("reasoning" covers "reasoning/math" and "reasoning/coding"); the exact name wins.
   * Only questions of `jurist sim make-bench` have a category (see `simBenchCategory`).
   */
  categoryAccuracy?: Readonly<Record<string, number>>;
}

/** The accuracy `profile` judges `question` with: its category's entry, else `accuracy`. */
export function accuracyFor(profile: JudgeProfile, question: string): number {
  const table = profile.categoryAccuracy;
  if (!table || Object.keys(table).length === 0) return profile.accuracy;
  const category = simBenchCategory(question);
  if (!category) return profile.accuracy;
  for (const key of [category, category.split("/")[0]!]) {
    if (Object.hasOwn(table, key)) return table[key]!;
  }
  return profile.accuracy;
}

/** One simulated verdict. */
export interface JudgeDecision {
  letter: Slot;
  /** Probability the judge gives its named letter, in [0.5, 0.98]. */
  confidence: number;
  /** True when the named slot holds the truly better text; null for a true tie. */
  correct: boolean | null;
  /** True when the judge named slot A because of position bias alone. */
  positionLapse: boolean;
}

/**
 * Decides a verdict for slot texts `slotA` and `slotB`. With probability positionBias the
 * judge names A whatever the content; otherwise it names the truly better slot with
 * probability accuracy (a coin flip for a tie). Confidence is drawn higher when correct
 * (0.6–0.98) than when wrong or lapsing (0.5–0.8), so probabilities carry information.
 * Always consumes the same draws, so a more accurate profile is right wherever a less
 * accurate one is, for the same random stream.
 */
export function decideVerdict(
  slotA: string,
  slotB: string,
  profile: JudgeProfile,
  worldKey: string,
  rng: Random,
): JudgeDecision {
  const lapse = rng.next() < profile.positionBias;
  const hit = rng.next();
  const spread = rng.next();
  const truth = compareQuality(slotA, slotB, worldKey);
  const better: Slot | null = truth === 0 ? null : truth > 0 ? "A" : "B";
  let letter: Slot;
  if (lapse) letter = "A";
  else if (better === null) letter = hit < 0.5 ? "A" : "B";
  else letter = hit < profile.accuracy ? better : otherSlot(better);
  const correct = better === null ? null : letter === better;
  const confident = correct === true && !lapse;
  const confidence = confident ? 0.6 + 0.38 * spread : 0.5 + 0.3 * spread;
  return { letter, confidence, correct, positionLapse: lapse };
}

export function otherSlot(slot: Slot): Slot {
  return slot === "A" ? "B" : "A";
}

const PRAISE = [
  "describes the image more accurately",
  "matches the visible details more closely",
  "gets the objects and their positions right",
  "answers the question with fewer factual slips",
] as const;

const CRITIQUE = [
  "contains details that do not match the image",
  "gets at least one visible detail wrong",
  "is less faithful to what the image shows",
  "makes claims the image does not support",
] as const;

function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** The reasoned-mode output: a short simulated explanation, then `[[A]]` or `[[B]]`. */
export function judgeReasoning(
  decision: JudgeDecision,
  slotA: string,
  slotB: string,
  rng: Random,
): string {
  const named = decision.letter;
  return [
    "As a simulated judge, I compared the answers of Assistant A and Assistant B with the " +
      `question and the image. Assistant ${named}'s answer ${rng.pick(PRAISE)}, while ` +
      `Assistant ${otherSlot(named)}'s answer ${rng.pick(CRITIQUE)}. Assistant A uses ` +
      `${wordCount(slotA)} words and Assistant B uses ${wordCount(slotB)} words; length did ` +
      "not decide the verdict.",
    `[[${named}]]`,
  ].join("\n");
}

/** A reasoned-mode output with no verdict marker, for exercising invalid verdicts. */
export function undecidedReasoning(rng: Random): string {
  return rng.pick([
    "As a simulated judge, I cannot decide between Assistant A and Assistant B.",
    "As a simulated judge, I find Assistant A and Assistant B equally hard to rank, so I give no verdict.",
  ]);
}
