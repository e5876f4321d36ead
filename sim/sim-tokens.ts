import type { Random } from "../src/core/seeded-random.ts";
import type { Slot } from "../src/core/types.ts";

/**
 * The simulated tokenizer and logprobs. Words, runs of whitespace and single punctuation
 * marks are tokens, and `[[` / `]]` are one token each, so in `[[A]]` the verdict letter is a
 * token of its own, as a gateway reading vLLM's logprobs expects.
 */
const TOKEN = /\[\[|\]\]|[\p{L}\p{N}_]+|\s+|[^\p{L}\p{N}_\s]/gu;

/** Splits text into tokens; joining them gives the text back exactly. */
export function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

/** One alternative at a token position, in vLLM's chat logprobs format. */
export interface TopLogprobEntry {
  token: string;
  logprob: number;
  /** UTF-8 bytes of the token. */
  bytes: number[];
}

/** One generated token with its alternatives, in vLLM's chat logprobs format. */
export interface LogprobEntry extends TopLogprobEntry {
  /** Exactly the requested number, the generated token included, most likely first. */
  top_logprobs: TopLogprobEntry[];
}

/** Where the verdict letter sits in the output and how sure the judge is of it. */
export interface VerdictToken {
  index: number;
  letter: Slot;
  /** Probability of the named letter, in (0.5, 1 - VERDICT_FILLER_MASS). */
  confidence: number;
}

/** Probability left for tokens other than A and B at the verdict position. */
export const VERDICT_FILLER_MASS = 0.01;

/** Filler alternatives at the verdict position: none of them reads as A or B. */
const VERDICT_FILLERS = [
  "C",
  "Tie",
  "Both",
  "Neither",
  "D",
  "None",
  "Equal",
  "Same",
  "X",
  "Y",
  "1",
  "2",
  "Draw",
  "?",
  "E",
  "Z",
  "0",
  "N",
] as const;

const ORDINARY_ALTERNATIVES = [
  "the",
  " ",
  ",",
  ".",
  "a",
  "and",
  "of",
  "to",
  "is",
  "in",
  "with",
  "that",
  "it",
  "on",
  "as",
  "this",
  "for",
  "are",
  "an",
  "be",
  "which",
  "\n",
] as const;

export function entry(token: string, probability: number): TopLogprobEntry {
  return { token, logprob: Math.log(probability), bytes: [...Buffer.from(token, "utf8")] };
}

export function verdictEntry(verdict: VerdictToken, top: number): LogprobEntry {
  const other: Slot = verdict.letter === "A" ? "B" : "A";
  const ranked = [
    entry(verdict.letter, verdict.confidence),
    entry(other, 1 - verdict.confidence - VERDICT_FILLER_MASS),
    ...VERDICT_FILLERS.map((token, i) => entry(token, VERDICT_FILLER_MASS * 0.5 ** (i + 1))),
  ];
  return { ...ranked[0]!, top_logprobs: ranked.slice(0, top) };
}

/** A plausible ordinary position: the generated token most likely, then geometric tails. */
export function ordinaryEntry(token: string, top: number, rng: Random): LogprobEntry {
  const probability = rng.uniform(0.4, 0.995);
  const rest = 1 - probability;
  const alternatives = ORDINARY_ALTERNATIVES.filter((alt) => alt !== token);
  const offset = rng.int(alternatives.length);
  const ranked = [entry(token, probability)];
  for (let i = 0; i < top - 1; i++) {
    const alt = alternatives[(offset + i) % alternatives.length]!;
    ranked.push(entry(alt, rest * 0.6 * 0.4 ** i));
  }
  return { ...ranked[0]!, top_logprobs: ranked.slice(0, top) };
}

/**
 * Logprobs for the generated tokens, `top` (0–20) alternatives each. At the verdict index
 * the alternatives are the named letter with ln(confidence), the other letter with
 * ln(1 − confidence − VERDICT_FILLER_MASS), then fillers sharing the small remainder.
 */
export function buildLogprobs(
  tokens: readonly string[],
  top: number,
  rng: Random,
  verdict?: VerdictToken,
): LogprobEntry[] {
  return tokens.map((token, index) =>
    verdict && index === verdict.index && token === verdict.letter
      ? verdictEntry(verdict, top)
      : ordinaryEntry(token, top, rng),
  );
}
