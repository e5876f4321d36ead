/**
 * English number words to digits ("three" → 3, "twenty-one" → 21, "one hundred and five" →
 * 105) and numerals to one canonical spelling ("3.0" → "3", "1,000" → "1000", "07" → "7"),
 * so answers written either way vote together.
 */

import { ENGLISH_UNITS as UNITS } from "../../src/core/number-words.ts";

const TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
const SCALES: Record<string, number> = { thousand: 1_000, million: 1_000_000 };

type WordClass = "unit" | "tens" | "hundred" | "scale";

function classOf(word: string): WordClass | null {
  if ((UNITS as readonly string[]).includes(word)) return "unit";
  if (TENS.includes(word)) return "tens";
  if (word === "hundred") return "hundred";
  return word in SCALES ? "scale" : null;
}

/** Which word classes may follow which, so "one two" stays two numbers, not 3. */
const MAY_FOLLOW: Record<WordClass | "start", readonly WordClass[]> = {
  start: ["unit", "tens"],
  unit: ["hundred", "scale"],
  tens: ["unit", "hundred", "scale"],
  hundred: ["unit", "tens", "scale"],
  scale: ["unit", "tens"],
};

/** The value of a run of number words, accumulated left to right. */
function runValue(words: readonly string[]): number {
  let total = 0;
  let current = 0;
  for (const word of words) {
    const unit = (UNITS as readonly string[]).indexOf(word);
    if (unit >= 0) current += unit;
    else if (TENS.includes(word)) current += 20 + 10 * TENS.indexOf(word);
    else if (word === "hundred") current = (current || 1) * 100;
    else {
      total += (current || 1) * SCALES[word]!;
      current = 0;
    }
  }
  return total + current;
}

/** The longest run of number words at `start` ("and" allowed after "hundred"), and its span. */
function runAt(tokens: readonly string[], start: number): { words: string[]; span: number } {
  const words: string[] = [];
  let last: WordClass | "start" = "start";
  let i = start;
  while (i < tokens.length) {
    const joiner: boolean = tokens[i] === "and" && last === "hundred";
    const word: string | undefined = tokens[joiner ? i + 1 : i];
    const cls: WordClass | null = word === undefined ? null : classOf(word);
    if (!cls || !MAY_FOLLOW[last].includes(cls)) break;
    words.push(word!);
    last = cls;
    i += joiner ? 2 : 1;
  }
  return { words, span: i - start };
}

/**
 * Replaces every run of number words in a list of lower-case tokens with its digits;
 * hyphenated words must already be split ("twenty-one" → "twenty", "one").
 */
export function numberWordsToDigits(tokens: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; ) {
    const run = runAt(tokens, i);
    out.push(run.span === 0 ? tokens[i]! : String(runValue(run.words)));
    i += Math.max(1, run.span);
  }
  return out;
}

/** A numeral in canonical form ("3.0" → "3", "007" → "7", "-2.50" → "-2.5"); else as is. */
export function canonicalNumeral(token: string): string {
  if (!/^-?\d+(?:\.\d+)?$/.test(token)) return token;
  const value = Number(token);
  return Number.isSafeInteger(Math.trunc(value)) ? String(value) : token;
}
