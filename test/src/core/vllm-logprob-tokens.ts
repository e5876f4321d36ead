import type { TokenLogprob } from "../../../src/core/types.ts";

/**
 * Logprob token lists shaped the way vLLM returns them, for the verdict-location tests.
 * Sources (vllm-project/vllm, main as of this change):
 * - vllm/tokenizers/detokenizer_utils.py `convert_ids_list_to_tokens`: each token id is
 *   decoded alone (`tokenizer.decode([token_id])`, default skip_special_tokens=False), so a
 *   character whose UTF-8 bytes span several tokens decodes as "�" in each of them, and the
 *   stop token decodes to its text.
 * - vllm/v1/engine/logprobs.py `_verify_tokens` / `_correct_decoded_token`, added by vLLM
 *   PR #28874 (merged 2025-11): a token ending in "�" is decoded again together with the
 *   previous token; when that completes the character the token carries it, otherwise it
 *   becomes "". PR #34875 (merged 2026-02) widens the context to the last 4 sampled tokens
 *   and strips their text, so the last byte token carries the character and the others are
 *   "". Hence three shapes: "replacement" (before), "empty" and "joined" (after).
 * - vllm/v1/engine/detokenizer.py `update`: the stop token is kept in the token ids (and so in
 *   the logprobs) but left out of the text.
 * - vllm/entrypoints/openai/chat_completion/serving.py `chat_completion_full_generator`: the
 *   logprobs cover every generated token, while a reasoning parser moves the reasoning out of
 *   `message.content`.
 */

/** Qwen2.5-VL's end-of-turn token, as vLLM decodes it into the logprob list. */
export const QWEN_EOS = "<|im_end|>";

/** How vLLM's logprob list shows the byte tokens of one split character. */
export type SplitDecoding = "replacement" | "empty" | "joined";

/** The token strings for `char` split into one token per UTF-8 byte. */
export function splitCharacter(char: string, decoding: SplitDecoding): string[] {
  const bytes = Buffer.byteLength(char, "utf8");
  if (decoding === "replacement") return Array(bytes).fill("\uFFFD");
  if (decoding === "empty") return Array(bytes).fill("");
  return [...Array(bytes - 1).fill(""), char];
}

/** A token with no alternatives of interest. */
export function plain(token: string): TokenLogprob {
  return { token, logprob: -0.01, top: [] };
}

/** A token for each of `pieces`. */
export function plains(...pieces: string[]): TokenLogprob[] {
  return pieces.map(plain);
}
