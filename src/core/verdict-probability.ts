import type { Slot, TokenLogprob, TopLogprob } from "./types.ts";
import { locateVerdictToken, type VerdictInText, type VerdictToken } from "./verdict-token.ts";

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

/**
 * vLLM reports a logprob of -inf as -9999.0 (`max(logprob, -9999.0)` in `_create_chat_logprobs`
 * and `_get_top_logprobs`, vllm/entrypoints/openai/chat_completion/serving.py). Under a
 * constraint (`structured_outputs.choice`, `guided_choice`) the grammar bitmask sets every
 * disallowed token's logit to -inf before logprobs are taken, so the top alternatives after
 * the allowed ones are masked tokens at exactly this value: probability 0, not a bound.
 */
export const MASKED_LOGPROB = -9999;

type LetterContext = Pick<VerdictToken, "prefix" | "suffix">;

/**
 * Reads the probability of the verdict the parser found, at the token that carries its
 * letter (`locateVerdictToken`: found by walking the tokens, so replacement characters,
 * empty tokens, the stop token's text and a reasoning prefix do not move it). A token may
 * carry more than the letter (`" A"`, `"[[A"`, `"A]]"`); alternatives are matched after
 * trimming, ignoring case and the same surrounding characters, and duplicates (`"A"`,
 * `" A"`) are summed.
 *
 * When one letter is missing from the top alternatives its probability is estimated as
 * min(smallest top alternative other than the sampled token, 1 − Σ listed): it was not in
 * the top list, so it cannot be more likely than the least likely ranked token, nor more
 * than the unlisted mass. Taking this upper bound never overstates the judge's confidence.
 * With an empty top list it is the sampled token's probability against all the rest.
 *
 * A masked alternative (`MASKED_LOGPROB`) has probability 0: a letter listed only as
 * masked is read as 0 (it never counts as the letter found), and a masked alternative in
 * the list bounds a missing letter at 0, since the missing letter ranks below it.
 *
 * Returns null when there are no tokens, no token carries the verdict, or neither letter
 * has a probability above 0: no number is invented.
 */
export function verdictProbability(
  tokens: TokenLogprob[] | null,
  verdict: VerdictInText,
): VerdictProbability | null {
  const located = tokens ? locateVerdictToken(tokens, verdict) : null;
  if (!located) return null;
  return renormalise(located.token, located);
}

function renormalise(token: TokenLogprob, context: LetterContext): VerdictProbability | null {
  const top = token.top.filter((alt) => !Number.isNaN(alt.logprob));
  const sampled = { token: token.token, logprob: token.logprob };
  const withSampled = top.some((alt) => alt.token === token.token) ? top : [...top, sampled];
  const listed = withSampled.filter((alt) => !Number.isNaN(alt.logprob));
  const mass = { A: letterMass(listed, "A", context), B: letterMass(listed, "B", context) };
  if (mass.A === -Infinity && mass.B === -Infinity) return null;
  const spelled = (slot: Slot) => listed.some((alt) => letterOf(alt.token, context) === slot);
  // Both listed, one perhaps masked (mass -Infinity, read as probability 0).
  if (spelled("A") && spelled("B")) return result(mass.A, mass.B, "top_logprobs");
  const known: Slot = mass.A > -Infinity ? "A" : "B";
  // vLLM lists the sampled token first whatever its rank, dropping the k-th alternative to
  // make room (vllm/logprobs.py `append_logprobs_for_next_position`, `_get_top_logprobs`):
  // its logprob says nothing about what was left out, so it does not bound the missing letter.
  const others = top.filter((alt) => alt.token !== token.token);
  const missing = Math.log(missingBound(others, listed));
  const source = letterMass(top, known, context) > -Infinity ? "one_sided" : "sampled";
  return known === "A" ? result(mass.A, missing, source) : result(missing, mass.B, source);
}

/** Upper bound on the probability of a letter absent from `ranked` (see `verdictProbability`). */
function missingBound(ranked: TopLogprob[], listed: TopLogprob[]): number {
  const smallest = Math.min(...ranked.map((alt) => prob(alt.logprob)));
  const remaining = 1 - listed.reduce((sum, alt) => sum + prob(alt.logprob), 0);
  return Math.max(0, Math.min(smallest, remaining));
}

function result(
  logA: number,
  logB: number,
  source: VerdictProbability["source"],
): VerdictProbability | null {
  const d = logA - logB;
  // One logistic form for every d: it keeps its relative accuracy for small p, and where
  // exp(-d) overflows it gives 0, which the clamp below lifts to EPSILON (a two-branch
  // "stable" form differed from it by at most 2 ulps once clamped).
  const p = 1 / (1 + Math.exp(-d));
  if (Number.isNaN(p)) return null;
  return { probabilityA: Math.min(1 - EPSILON, Math.max(EPSILON, p)), source };
}

/** log Σ p over the unmasked alternatives that spell `slot`, or -Infinity when none does. */
function letterMass(alts: TopLogprob[], slot: Slot, context: LetterContext): number {
  const logs = alts
    .filter((alt) => alt.logprob > MASKED_LOGPROB && letterOf(alt.token, context) === slot)
    .map((alt) => alt.logprob);
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

/** Probability of a logprob: 0 when masked; above 0 (engine rounding) counts as certainty. */
function prob(logprob: number): number {
  return logprob <= MASKED_LOGPROB ? 0 : Math.exp(Math.min(0, logprob));
}
