import { createHmac } from "node:crypto";

/**
 * The simulated world's ground truth. Every text has a hidden quality read from a keyed
 * hash, so any replica sharing the world key judges any text the same way without shared
 * state, and tests and the trainer can ask which of two texts is truly better.
 */

/** The world key every replica uses unless told otherwise. */
export const DEFAULT_WORLD_KEY = "jurist-sim-world";

/** `sound`: a correct response. `flawed`: one with errors. Sound always beats flawed. */
export type QualityClass = "sound" | "flawed";

export interface TextQuality {
  class: QualityClass;
  /** Orders texts within a class; uniform in [0, 1). */
  score: number;
}

/** Trims and collapses whitespace, so layout alone never changes a text's quality. */
export function normaliseText(text: string): string {
  return text.trim().replace(/\s+/g, " ");
}

/** The hidden quality of a text: one bit of HMAC-SHA256 for the class, 48 for the score. */
export function qualityOf(text: string, worldKey: string = DEFAULT_WORLD_KEY): TextQuality {
  const mac = createHmac("sha256", worldKey).update(normaliseText(text)).digest();
  return {
    class: (mac[0]! & 1) === 1 ? "sound" : "flawed",
    score: mac.readUIntBE(1, 6) / 2 ** 48,
  };
}

/**
 * Which text is truly better: 1 when `x` is, -1 when `y` is, 0 for a tie (identical texts
 * after normalisation). Sound beats flawed; within a class the higher score wins.
 * Usable as a sort comparator (ascending quality).
 */
export function compareQuality(
  x: string,
  y: string,
  worldKey: string = DEFAULT_WORLD_KEY,
): -1 | 0 | 1 {
  const qx = qualityOf(x, worldKey);
  const qy = qualityOf(y, worldKey);
  if (qx.class !== qy.class) return qx.class === "sound" ? 1 : -1;
  if (qx.score === qy.score) return 0;
  return qx.score > qy.score ? 1 : -1;
}
