import type { JudgeMode, Slot, TokenLogprob } from "./types.ts";
import { type MarkerSpan, markerSpans } from "./verdict-parser.ts";

/** The verdict as `parseVerdict` read it from a completion's text. */
export interface VerdictInText {
  /** The completion's text (vLLM's `message.content`). */
  text: string;
  mode: JudgeMode;
  slot: Slot;
  /** Offset of the verdict letter in `text`, from `parseVerdict`. */
  index: number;
}

/** The logprob token that carries the verdict letter, and its text on either side of it. */
export interface VerdictToken {
  token: TokenLogprob;
  /** The token's text before the letter, trimmed: `"[["` in `"[[A"`, `""` in `" A"`. */
  prefix: string;
  /** The token's text after the letter, trimmed: `"]]"` in `"A]]"`. */
  suffix: string;
}

/**
 * Finds the token that carries the verdict letter by walking the token list, never by
 * character offset into `text`: real logprob tokens do not join to the text.
 * vLLM (vllm/v1/engine/logprobs.py, `convert_ids_list_to_tokens` in
 * vllm/tokenizers/detokenizer_utils.py) decodes each token alone, so a character split over
 * tokens comes back as "�" per token, or in newer releases as "" or joined into a later token
 * (`_verify_tokens`); the stop token's text (`<|im_end|>`) is in the list but not in the text
 * (vllm/v1/engine/detokenizer.py); and with a reasoning parser the reasoning is in the list
 * but not in `message.content` (chat_completion/serving.py).
 *
 * What survives all of that is the order of the ASCII characters, and a marker (`[[`,
 * letters, whitespace, `]]`) is ASCII. So both sides are read through their ASCII characters
 * only, where they hold the same markers in the same order; the reasoning adds markers
 * before the text's and the stop token none after it. The chosen marker is the one that many
 * markers from the end of the token list as there are after it in the text. The answer is
 * checked: a token-side marker with another label gives null, never a wrong token.
 *
 * - `reasoned`: the token holding the label of that marker (`"A"`, `" A"`, `"[[A"`, `"A]]"`).
 * - `fast`: the last token that spells the letter alone (the constrained single token).
 */
export function locateVerdictToken(
  tokens: TokenLogprob[],
  verdict: VerdictInText,
): VerdictToken | null {
  return verdict.mode === "fast"
    ? locateFast(tokens, verdict.slot)
    : locateReasoned(tokens, verdict);
}

function locateFast(tokens: TokenLogprob[], slot: Slot): VerdictToken | null {
  const token = tokens.findLast((t) => /^[ab]$/i.test(t.token.trim()));
  if (!token || token.token.trim().toUpperCase() !== slot) return null;
  return { token, prefix: "", suffix: "" };
}

function locateReasoned(tokens: TokenLogprob[], verdict: VerdictInText): VerdictToken | null {
  const text = asciiView([verdict.text]);
  const letterAt = text.origin.findIndex((o) => o.offset === verdict.index);
  const inText = markerSpans(text.chars);
  const chosen = inText.findIndex(
    (m) => m.index <= letterAt && letterAt < m.index + m.label.length,
  );
  if (chosen === -1) return null;
  const after = inText.length - 1 - chosen;

  const listed = asciiView(tokens.map((t) => t.token));
  const inTokens = markerSpans(listed.chars);
  const match: MarkerSpan | undefined = inTokens[inTokens.length - 1 - after];
  const expected = inText[chosen] as MarkerSpan;
  if (!match || match.label !== expected.label) return null;

  const letter = letterAt - expected.index;
  const origin = listed.origin[match.index + letter];
  const token = origin ? tokens[origin.piece] : undefined;
  if (!origin || !token) return null;
  return {
    token,
    prefix: token.token.slice(0, origin.offset).trim(),
    suffix: token.token.slice(origin.offset + 1).trim(),
  };
}

/** The ASCII characters of `pieces` joined, each with the piece and offset it came from. */
function asciiView(pieces: string[]): {
  chars: string;
  origin: { piece: number; offset: number }[];
} {
  let chars = "";
  const origin: { piece: number; offset: number }[] = [];
  pieces.forEach((piece, index) => {
    for (let offset = 0; offset < piece.length; offset += 1) {
      if (piece.charCodeAt(offset) >= 0x80) continue;
      chars += piece[offset];
      origin.push({ piece: index, offset });
    }
  });
  return { chars, origin };
}
