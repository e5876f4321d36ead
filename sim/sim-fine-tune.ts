import { parseVerdict } from "../src/core/verdict-parser.ts";
import { readJudgePrompt } from "./prompt-reader.ts";
import { compareQuality, DEFAULT_WORLD_KEY } from "./text-quality.ts";

/** One training example as the simulated fine-tune reads it (TRL conversational format). */
interface ExampleLike {
  messages?: { role?: string; content?: unknown }[];
}

/** What a simulated fine-tune learned from a dataset. */
export interface SimTrainingOutcome {
  examples: number;
  /** Examples whose verdict agrees with the sim's hidden truth, of those with a truth. */
  labelPrecision: number;
  parentAccuracy: number;
  accuracy: number;
}

/** Examples at which the dataset's effect is half its maximum. */
export const HALF_EFFECT_EXAMPLES = 2_000;
/** The largest share of the remaining gap one fine-tune can close. */
export const MAX_GAIN = 0.5;

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .flatMap((part: { type?: string; text?: unknown }) =>
      part?.type === "text" && typeof part.text === "string" ? [part.text] : [],
    )
    .join("\n");
}

/**
 * Whether an example's verdict names the truly better response (by the sim's keyed-hash
 * truth); null when the example is unreadable or the two responses are equally good.
 */
export function exampleIsCorrect(
  example: ExampleLike,
  worldKey = DEFAULT_WORLD_KEY,
): boolean | null {
  const messages = example.messages ?? [];
  const user = messages.findLast((m) => m.role === "user");
  const assistant = messages.findLast((m) => m.role === "assistant");
  const prompt = user ? readJudgePrompt(textOf(user.content)) : null;
  const verdict = assistant ? parseVerdict(textOf(assistant.content), "reasoned") : null;
  if (!prompt || !verdict?.ok) return null;
  const truth = compareQuality(prompt.slotA, prompt.slotB, worldKey);
  if (truth === 0) return null;
  return (truth === 1 ? "A" : "B") === verdict.slot;
}

/**
 * The documented accuracy function of the simulated fine-tune: labels better than a coin flip
 * move the parent's accuracy toward 1, worse ones toward 0, in proportion to how far the label
 * precision p is from 0.5 and to how much data there is:
 *
 *   signal = 2p − 1,  volume = n / (n + HALF_EFFECT_EXAMPLES),  step = MAX_GAIN · signal · volume
 *   accuracy = parent + step · (1 − parent)   when signal ≥ 0
 *   accuracy = parent + step · parent          when signal < 0
 *
 * so a gate can see a good candidate improve and a bad one (noisy labels) regress.
 */
export function fineTunedAccuracy(
  parent: number,
  examples: number,
  labelPrecision: number,
): number {
  const signal = 2 * labelPrecision - 1;
  const volume = examples / (examples + HALF_EFFECT_EXAMPLES);
  const step = MAX_GAIN * signal * volume;
  const accuracy = parent + step * (signal >= 0 ? 1 - parent : parent);
  return Math.min(0.99, Math.max(0.01, accuracy));
}

/** Reads a dataset's examples and computes what the simulated fine-tune makes of them. */
export function simulateTraining(
  examples: readonly ExampleLike[],
  parentAccuracy: number,
  worldKey = DEFAULT_WORLD_KEY,
): SimTrainingOutcome {
  const judged = examples.map((example) => exampleIsCorrect(example, worldKey));
  const known = judged.filter((correct) => correct !== null);
  const labelPrecision = known.length === 0 ? 0.5 : known.filter(Boolean).length / known.length;
  return {
    examples: examples.length,
    labelPrecision,
    parentAccuracy,
    accuracy: fineTunedAccuracy(parentAccuracy, examples.length, labelPrecision),
  };
}
