import type { Random } from "../../src/core/seeded-random.ts";

/**
 * Real judges write typographic characters a byte-level BPE splits across tokens: curly
 * quotes, dashes, accents, emoji. In vLLM mode about half the reasoned verdicts carry one of
 * these phrases just before the verdict marker, the worst place for a client that finds the
 * marker by character offset.
 */
const FLOURISHES = [
  " Weighing claim by claim — the image decides.",
  " In short: the “checked” answer wins.",
  " A naïve reading would not change this.",
  " Verdict follows 🙂",
] as const;

export function withFlourish(content: string, rng: Random): string {
  if (!rng.chance(0.5)) return content;
  const phrase = rng.pick(FLOURISHES);
  const marker = content.lastIndexOf("\n[[");
  return marker < 0 ? content + phrase : content.slice(0, marker) + phrase + content.slice(marker);
}
