import { hashHex, unitPoint } from "./seeded-hash.ts";

/**
 * A fixed held-out split of prompts (for the position-consistency gate on a held-out
 * synthetic set): a prompt is held out when a keyed hash of its content falls below the
 * fraction. No state, so the split is the same across runs, restarts and machines, and a
 * prompt never moves between train and held-out while the salt and fraction stay fixed.
 */

/** The default salt; changing it reshuffles the split, so treat it as configuration. */
export const DEFAULT_HOLDOUT_SALT = "jurist-holdout-v1";

/**
 * The content key a prompt is split on: its question and image hashes. Responses are left
 * out on purpose (unlike `PromptRecord.contentHash`): the trainer generates its own, and
 * the same image and question collected with other responses must land on the same side.
 */
export function holdoutKey(question: string, imageHashes: readonly string[]): string {
  return hashHex("holdout-key", question, imageHashes.map((hash) => hash.toLowerCase()).join(","));
}

/** Options of `isHeldOut`. */
export interface HoldoutOptions {
  /** Share of prompts held out, in [0, 1]. */
  fraction: number;
  salt?: string;
}

/** Whether the prompt with this content key is held out. Throws on a fraction outside [0, 1]. */
export function isHeldOut(key: string, options: HoldoutOptions): boolean {
  const { fraction } = options;
  if (!(fraction >= 0 && fraction <= 1)) {
    throw new RangeError(`holdout fraction ${fraction} is not in [0, 1]`);
  }
  return unitPoint("holdout", options.salt ?? DEFAULT_HOLDOUT_SALT, key) < fraction;
}

/** Splits prompts into train and held-out by their content keys, keeping input order. */
export function splitHoldout<T>(
  prompts: readonly T[],
  keyOf: (prompt: T) => string,
  options: HoldoutOptions,
): { train: T[]; heldOut: T[] } {
  const train: T[] = [];
  const heldOut: T[] = [];
  for (const prompt of prompts) (isHeldOut(keyOf(prompt), options) ? heldOut : train).push(prompt);
  return { train, heldOut };
}
