import type { Slot, TokenLogprob, TopLogprob } from "./types.ts";

/**
 * P(slot A is better) for one completion, renormalised over the verdict tokens {A, B}.
 *
 * `source` says how much of it was read rather than bounded:
 * - `top_logprobs`: both letters' logprobs were reported;
 * - `one_sided`: one letter was in the top alternatives, the other is an upper bound;
 * - `sampled`: neither letter was in the top alternatives; the sampled verdict token's own
 *   logprob was used, the other letter bounded as for `one_sided`.
 */
export interface VerdictProbability {
  probabilityA: number;
  source: "top_logprobs" | "one_sided" | "sampled";
}

/** Keeps probabilities strictly inside (0, 1) so logits downstream stay finite. */
const EPSILON = 1e-6;

interface LetterContext {
  prefix: string;
  suffix: string;
}

/**
 * Reads the verdict probability at character `index` (the verdict letter, from
 * `parseVerdict`). Token offsets are rebuilt by concatenating token strings, so a token may
 * carry more than the letter (`" A"`, `"[[A"`, `"A]]"`); alternatives are matched after
 * trimming, ignoring case and the same surrounding characters, and duplicates (`"A"`,
 * `" A"`) are summed.
 *
 * When one letter is missing from the top alternatives its probability is estimated as
 * min(smallest top alternative, 1 − Σ listed): it was not in the top list, so it cannot be
 * more likely than the least likely listed token, nor more than the unlisted mass. Taking
 * this upper bound never overstates the judge's confidence. With an empty top list it is
 * the sampled token's probability against all the rest.
 *
 * Returns null when there are no tokens, the index does not land on an A/B letter, or
 * neither letter has a finite logprob: no number is invented.
 */
export function verdictProbability(
  tokens: TokenLogprob[] | null,
  index: number,
): VerdictProbability | null {
  const located = tokens ? locateToken(tokens, index) : null;
  if (!located) return null;
  const { token, offset } = located;
  if (letterOf(token.token[offset] ?? "", { prefix: "", suffix: "" }) === null) return null;
  const context = {
    prefix: token.token.slice(0, offset).trim(),
    suffix: token.token.slice(offset + 1).trim(),
  };
  return renormalise(token, context);
}

function renormalise(token: TokenLogprob, context: LetterContext): VerdictProbability | null {
  const top = token.top.filter((alt) => !Number.isNaN(alt.logprob));
  const sampled = { token: token.token, logprob: token.logprob };
  const withSampled = top.some((alt) => alt.token === token.token) ? top : [...top, sampled];
  const listed = withSampled.filter((alt) => !Number.isNaN(alt.logprob));
  const mass = { A: letterMass(listed, "A", context), B: letterMass(listed, "B", context) };
  const inTop = { A: letterMass(top, "A", context), B: letterMass(top, "B", context) };
  const found = (["A", "B"] as const).filter((slot) => mass[slot] > -Infinity);
  if (found.length === 0) return null;
  if (found.length === 2) return result(mass.A, mass.B, "top_logprobs");
  const known = found[0] as Slot;
  const missing = Math.log(missingBound(top, listed));
  const source = inTop[known] > -Infinity ? "one_sided" : "sampled";
  return known === "A" ? result(mass.A, missing, source) : result(missing, mass.B, source);
}

/** Upper bound on the probability of a letter absent from `top` (see `verdictProbability`). */
function missingBound(top: TopLogprob[], listed: TopLogprob[]): number {
  const smallest = Math.min(...top.map((alt) => prob(alt.logprob)));
  const remaining = 1 - listed.reduce((sum, alt) => sum + prob(alt.logprob), 0);
  return Math.max(0, Math.min(smallest, remaining));
}

function result(
  logA: number,
  logB: number,
  source: VerdictProbability["source"],
): VerdictProbability | null {
  const d = logA - logB;
  const p = d >= 0 ? 1 / (1 + Math.exp(-d)) : Math.exp(d) / (1 + Math.exp(d));
  if (Number.isNaN(p)) return null;
  return { probabilityA: Math.min(1 - EPSILON, Math.max(EPSILON, p)), source };
}

function locateToken(
  tokens: TokenLogprob[],
  index: number,
): { token: TokenLogprob; offset: number } | null {
  let start = 0;
  for (const token of tokens) {
    const end = start + token.token.length;
    if (index >= start && index < end) return { token, offset: index - start };
    start = end;
  }
  return null;
}

/** log Σ p over the alternatives that spell `slot`, or -Infinity when none does. */
function letterMass(alts: TopLogprob[], slot: Slot, context: LetterContext): number {
  const logs = alts.filter((alt) => letterOf(alt.token, context) === slot).map((a) => a.logprob);
  const max = Math.max(...logs);
  if (max === -Infinity) return -Infinity;
  return max + Math.log(logs.reduce((sum, l) => sum + Math.exp(l - max), 0));
}

/** The verdict letter a token spells once trimmed and stripped of the letter's context. */
function letterOf(text: string, context: LetterContext): Slot | null {
  let core = text.trim();
  if (context.prefix && core.startsWith(context.prefix)) core = core.slice(context.prefix.length);
  if (context.suffix && core.endsWith(context.suffix)) core = core.slice(0, -context.suffix.length);
  const upper = core.trim().toUpperCase();
  return upper === "A" || upper === "B" ? upper : null;
}

/** Probability of a logprob; logprobs above 0 (engine rounding) count as certainty. */
function prob(logprob: number): number {
  return Math.exp(Math.min(0, logprob));
}
