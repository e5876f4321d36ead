import type { PartialTokenDecoding } from "./vllm-version.ts";

/**
 * Generated tokens as a byte-level BPE (Qwen2's tokenizer) produces them, and each one's
 * logprob text as vLLM decodes it. The simulated tokenizer keeps words whole; here every
 * non-ASCII character is split into one token per UTF-8 byte, so a curly quote, an em dash
 * or an emoji spans several tokens, none of which is a character on its own.
 */

/** One generated token: its bytes, and whether it is a whole simulated token. */
export interface ByteToken {
  bytes: Buffer;
  /** The simulated token it is (ASCII tokens stay whole), or undefined for a split piece. */
  whole?: string;
}

const isAscii = (text: string) => [...text].every((c) => c.codePointAt(0)! < 0x80);

/** ASCII runs and single non-ASCII characters, in order. */
function runs(token: string): string[] {
  const out: string[] = [];
  for (const char of token) {
    const last = out.length - 1;
    if (isAscii(char) && last >= 0 && isAscii(out[last]!)) out[last] += char;
    else out.push(char);
  }
  return out;
}

/** Splits simulated tokens into byte-level tokens: ASCII runs whole, other characters by byte. */
export function toByteTokens(tokens: readonly string[]): ByteToken[] {
  const out: ByteToken[] = [];
  for (const token of tokens) {
    if (isAscii(token)) {
      out.push({ bytes: Buffer.from(token, "utf8"), whole: token });
      continue;
    }
    for (const run of runs(token)) {
      if (isAscii(run)) {
        out.push({ bytes: Buffer.from(run, "utf8") });
        continue;
      }
      for (const byte of Buffer.from(run, "utf8")) out.push({ bytes: Buffer.from([byte]) });
    }
  }
  return out;
}

/** The text of the kept tokens as vLLM's incremental detokenizer writes `content`: an incomplete trailing character is held back. */
export function contentOf(tokens: readonly ByteToken[]): string {
  return new TextDecoder("utf-8").decode(Buffer.concat(tokens.map((t) => t.bytes)), {
    stream: true,
  });
}

/** HF `tokenizer.decode` of byte-level tokens: bytes decoded with U+FFFD for invalid sequences. */
function decode(...tokens: ByteToken[]): string {
  return Buffer.concat(tokens.map((t) => t.bytes)).toString("utf8");
}

const REPLACEMENT = "\ufffd";

/**
 * The logprob text of token `index`, as the release decodes it alone.
 *
 * - "replacement" (before 0.12.0): `tokenizer.decode([token_id])`, so a partial character
 *   is "�" (vllm/transformers_utils/detokenizer_utils.py, `convert_ids_list_to_tokens`).
 * - "corrected-or-empty" (0.12.0 on, vllm/v1/engine/logprobs.py `_correct_decoded_token`,
 *   PR #28874): a text ending in "�" is decoded again. With top_logprobs ≥ 1 the sampled
 *   token is also a top-k entry (the dict keeps that one), decoded after the top-k list's
 *   previous entry, which never completes it, so it is "" (vLLM issue #27300, fixed later by
 *   PR #34875). With top_logprobs 0 it is decoded after the previous sampled token: the text
 *   of both when that completes a character, else "".
 */
export function decodedAlone(
  tokens: readonly ByteToken[],
  index: number,
  mode: PartialTokenDecoding,
  topLogprobs: number,
): string {
  const token = tokens[index]!;
  const alone = decode(token);
  if (mode === "replacement" || !alone.endsWith(REPLACEMENT)) return alone;
  if (topLogprobs >= 1 || index === 0) return "";
  const withPrevious = decode(tokens[index - 1]!, token);
  return withPrevious.endsWith(REPLACEMENT) ? "" : withPrevious;
}
