/**
 * Reads the final answer a response states, before normalisation. Explicit statements win
 * over layout: the last of "\boxed{X}", "The answer is X." and an "Answer: X" line; then the
 * last bold span; then a short final line; then the whole response when it is short.
 */

/** How the answer was found, most explicit first. */
export type ExtractionMethod = "boxed" | "statement" | "label" | "bold" | "final_line" | "whole";

/** A stated final answer, trimmed of wrapping brackets, quotes, emphasis and the full stop. */
export interface ExtractedAnswer {
  answer: string;
  via: ExtractionMethod;
}

/** Options of `extractFinalAnswer`. */
export interface ExtractionOptions {
  /** Longer candidates are not final answers of a closed question; default 8 words. */
  maxWords?: number;
}

/** The default word limit of a short final answer. */
export const SHORT_ANSWER_MAX_WORDS = 8;

const EXPLICIT: ReadonlyArray<[ExtractionMethod, RegExp]> = [
  ["boxed", /\\boxed\{([^{}\n]*)\}/g],
  ["statement", /\b(?:final |correct |best )?answer is\b\s*:?\s*(.+?)(?=\.(?:\s|$)|\n|$)/gi],
  ["label", /(?:^|\n)[ \t>#*_-]*(?:final )?answer[ \t*_]*[:：][ \t]*(.+?)[ \t]*(?=\n|$)/gi],
];

const BOLD = /\*\*([^*\n]+?)\*\*|__([^_\n]+?)__/g;

function cleanOnce(text: string): string {
  const stripped = text
    .trim()
    .replace(/^[:：\s]+/, "")
    .replace(/[.!;,\s]+$/, "")
    .replace(/^[*_`"'“‘$]+|[*_`"'”’$]+$/g, "")
    .trim();
  const wrapped =
    /^\\boxed\{(.*)\}$/.exec(stripped) ??
    /^\(([^()]*)\)$/.exec(stripped) ??
    /^\[([^[\]]*)\]$/.exec(stripped);
  return wrapped ? wrapped[1]!.trim() : stripped;
}

/** Strips emphasis, quotes, brackets, `$\boxed{}$`, a leading colon and a final full stop. */
export function cleanAnswer(raw: string): string {
  let text = raw;
  let previous: string;
  do {
    previous = text;
    text = cleanOnce(text);
  } while (text !== previous);
  return text;
}

function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

function shortEnough(text: string, maxWords: number): boolean {
  return text !== "" && wordCount(text) <= maxWords;
}

/** The explicit candidate that occurs last in the text, among boxed/statement/label. */
function lastExplicit(response: string, maxWords: number): ExtractedAnswer | null {
  let best: { at: number; found: ExtractedAnswer } | null = null;
  for (const [via, pattern] of EXPLICIT) {
    for (const match of response.matchAll(pattern)) {
      const answer = cleanAnswer(match[1] ?? "");
      const at = match.index + match[0].length;
      if (shortEnough(answer, maxWords) && (!best || at > best.at)) {
        best = { at, found: { answer, via } };
      }
    }
  }
  return best?.found ?? null;
}

function lastBold(response: string, maxWords: number): ExtractedAnswer | null {
  const spans = [...response.matchAll(BOLD)].map((m) => cleanAnswer(m[1] ?? m[2] ?? ""));
  const answer = spans.findLast((span) => shortEnough(span, maxWords));
  return answer ? { answer, via: "bold" } : null;
}

function fromLayout(response: string, maxWords: number): ExtractedAnswer | null {
  const lines = response
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  const last = cleanAnswer(lines.at(-1) ?? "");
  if (lines.length > 1 && shortEnough(last, maxWords)) return { answer: last, via: "final_line" };
  const whole = cleanAnswer(response);
  if (lines.length === 1 && shortEnough(whole, maxWords)) return { answer: whole, via: "whole" };
  return null;
}

/**
 * The final answer a response states, or null when it states none of at most `maxWords`
 * words (a description is not a short answer). See the module comment for the precedence.
 */
export function extractFinalAnswer(
  response: string,
  options: ExtractionOptions = {},
): ExtractedAnswer | null {
  const maxWords = options.maxWords ?? SHORT_ANSWER_MAX_WORDS;
  return (
    lastExplicit(response, maxWords) ??
    lastBold(response, maxWords) ??
    fromLayout(response, maxWords)
  );
}
