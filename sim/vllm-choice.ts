import type { Random } from "../src/core/seeded-random.ts";
import type { ChatChoice } from "./chat-choice.ts";
import type { SampledContent } from "./sample-content.ts";
import { tokenize, type VerdictToken } from "./sim-tokens.ts";
import { type ByteToken, contentOf, toByteTokens } from "./vllm/byte-tokens.ts";
import { withFlourish } from "./vllm/reasoning-flourish.ts";
import { partialTokenDecoding } from "./vllm/vllm-version.ts";
import { vllmLogprobs } from "./vllm-logprobs.ts";

/** What vLLM mode needs to shape one choice. */
export interface VllmChoiceInput {
  index: number;
  sampled: SampledContent;
  /** The honoured constrained choices, if any. */
  choice: readonly string[] | undefined;
  maxTokens: number;
  logprobs: boolean;
  top: number;
  version: string;
  eosText: string;
  /** Separate streams, so logprobs and flourishes never change the sampled verdict. */
  rng: { logprobs: Random; flourish: Random };
}

/** The verdict letter's byte token: the one after the last `[[`, or the constrained letter. */
function verdictIndex(tokens: readonly ByteToken[], letter: string, constrained: boolean): number {
  if (constrained) return tokens[0]?.whole === letter ? 0 : -1;
  for (let i = tokens.length - 2; i >= 0; i--) {
    if (tokens[i]!.whole === "[[") return tokens[i + 1]!.whole === letter ? i + 1 : -1;
  }
  return -1;
}

/**
 * One choice as a vLLM replica returns it: byte-level tokens; `content` without the EOS;
 * the EOS counted in `completion_tokens` and listed in logprobs when the sample ended on it
 * (max_tokens counts it too, so a sample exactly max_tokens long ends on "length").
 */
export function buildVllmChoice(input: VllmChoiceInput): {
  choice: ChatChoice;
  tokenCount: number;
} {
  const { sampled } = input;
  const reasoned = sampled.verdict !== undefined && input.choice === undefined;
  const text = reasoned ? withFlourish(sampled.content, input.rng.flourish) : sampled.content;
  const all = toByteTokens(tokenize(text));
  const kept = all.slice(0, input.maxTokens);
  const stopped = all.length < input.maxTokens;
  const verdict: VerdictToken | undefined = sampled.verdict && {
    ...sampled.verdict,
    index: verdictIndex(kept, sampled.verdict.letter, input.choice !== undefined),
  };
  const logprobs = input.logprobs
    ? {
        content: vllmLogprobs({
          tokens: kept,
          top: input.top,
          rng: input.rng.logprobs,
          decoding: partialTokenDecoding(input.version),
          ...(verdict ? { verdict } : {}),
          ...(input.choice ? { choice: input.choice } : {}),
          ...(stopped ? { eos: input.eosText } : {}),
        }),
      }
    : null;
  return {
    choice: {
      index: input.index,
      message: { role: "assistant", content: contentOf(kept) },
      logprobs,
      finish_reason: stopped ? "stop" : "length",
    },
    tokenCount: kept.length + (stopped ? 1 : 0),
  };
}
