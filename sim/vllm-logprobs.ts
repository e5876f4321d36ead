import type { Random } from "../src/core/seeded-random.ts";
import { MASKED_LOGPROB } from "../src/core/verdict-probability.ts";
import {
  type LogprobEntry,
  ordinaryEntry,
  type TopLogprobEntry,
  type VerdictToken,
  verdictEntry,
} from "./sim-tokens.ts";
import { type ByteToken, decodedAlone } from "./vllm/byte-tokens.ts";
import type { PartialTokenDecoding } from "./vllm/vllm-version.ts";

/**
 * Chat logprobs as vLLM writes them (vllm/entrypoints/openai/serving_chat.py,
 * `_create_chat_logprobs` / `_get_top_logprobs`): the token text is the token decoded alone,
 * `bytes` is that text's UTF-8 (`token.encode("utf-8", errors="replace")`), every logprob is
 * `max(logprob, -9999.0)`, and the EOS token that ended the sample is listed too (the v1
 * detokenizer leaves it out of the text but keeps it in the token ids,
 * vllm/v1/engine/detokenizer.py `update`; it decodes to its own text, e.g. `<|im_end|>`).
 */

/**
 * Tokens torch.topk picks among equal -inf logits: the lowest ids, which in Qwen2's
 * vocabulary are ASCII punctuation. Only their logprob matters: -9999.0.
 */
const MASKED_TOKENS = [
  "!",
  '"',
  "#",
  "$",
  "%",
  "&",
  "'",
  "(",
  ")",
  "*",
  "+",
  ",",
  "-",
  ".",
  "/",
  "0",
  "1",
  "2",
  "3",
  "4",
] as const;

function masked(count: number, taken: readonly string[]): TopLogprobEntry[] {
  return MASKED_TOKENS.filter((token) => !taken.includes(token))
    .slice(0, Math.max(count, 0))
    .map((token) => ({ token, logprob: MASKED_LOGPROB, bytes: [...Buffer.from(token)] }));
}

function withText(entry: LogprobEntry, text: string): LogprobEntry {
  const bytes = [...Buffer.from(text, "utf8")];
  const [first, ...rest] = entry.top_logprobs;
  const top = first ? [{ ...first, token: text, bytes }, ...rest] : [];
  return { ...entry, token: text, bytes, top_logprobs: top };
}

/**
 * The constrained position: a grammar's bitmask sets every token outside the choices to -inf
 * before log-softmax (vllm/v1/worker/gpu_model_runner.py applies it to the logits the
 * sampler reads), so the allowed tokens share all the probability and the rest of
 * `top_logprobs` reads -9999.0.
 */
function constrainedEntry(
  token: string,
  allowed: readonly [string, number][],
  top: number,
): LogprobEntry {
  const total = allowed.reduce((sum, [, p]) => sum + p, 0);
  const ranked = allowed
    .map(([t, p]) => ({ token: t, logprob: Math.log(p / total), bytes: [...Buffer.from(t)] }))
    .sort((a, b) => b.logprob - a.logprob);
  const own = ranked.find((e) => e.token === token) ?? ranked[0]!;
  const list = [
    ...ranked,
    ...masked(
      top - ranked.length,
      ranked.map((e) => e.token),
    ),
  ];
  return { ...own, top_logprobs: list.slice(0, top) };
}

export interface VllmLogprobsInput {
  tokens: readonly ByteToken[];
  top: number;
  rng: Random;
  decoding: PartialTokenDecoding;
  /** The verdict letter's token, when the sample is a verdict. */
  verdict?: VerdictToken;
  /** The honoured choices, when a constraint shaped the output. */
  choice?: readonly string[];
  /** The EOS text to append, when the sample ended on EOS (not on max_tokens). */
  eos?: string;
}

/** Logprobs over byte-level tokens, the EOS appended when the sample stopped on it. */
export function vllmLogprobs(input: VllmLogprobsInput): LogprobEntry[] {
  const { tokens, top, rng, verdict, choice } = input;
  const entries = tokens.map((token, index): LogprobEntry => {
    const text = decodedAlone(tokens, index, input.decoding, top);
    if (choice && index === 0 && token.whole !== undefined) {
      return constrainedEntry(token.whole, choiceWeights(choice, token.whole, verdict, rng), top);
    }
    if (verdict && index === verdict.index && token.whole === verdict.letter) {
      return verdictEntry(verdict, top);
    }
    return withText(ordinaryEntry(token.whole ?? text, top, rng), text);
  });
  if (input.eos === undefined) return entries;
  // Under a grammar that has matched a whole choice only EOS is allowed: probability 1.
  const eos = choice
    ? { token: input.eos, logprob: 0, bytes: [...Buffer.from(input.eos)] }
    : undefined;
  entries.push(
    eos
      ? { ...eos, top_logprobs: [eos, ...masked(top - 1, [input.eos])].slice(0, top) }
      : ordinaryEntry(input.eos, top, rng),
  );
  return entries;
}

/** The unmasked probabilities at the constrained position. */
function choiceWeights(
  choice: readonly string[],
  chosen: string,
  verdict: VerdictToken | undefined,
  rng: Random,
): [string, number][] {
  if (verdict && choice.includes(verdict.letter)) {
    return choice.map((c) => [
      c,
      c === verdict.letter
        ? verdict.confidence
        : (1 - verdict.confidence) / Math.max(choice.length - 1, 1),
    ]);
  }
  const own = rng.uniform(0.5, 0.99);
  return choice.map((c) => [c, c === chosen ? own : (1 - own) / Math.max(choice.length - 1, 1)]);
}
