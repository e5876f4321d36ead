import { cleanAnswer, type ExtractionOptions, extractFinalAnswer } from "./answer-extraction.ts";
import { canonicalNumeral, numberWordsToDigits } from "./number-words.ts";
import { type AnswerForm, answerFormOf, type QuestionClass } from "./question-classifier.ts";
import { parseOptions, type QuestionOption } from "./question-options.ts";

/**
 * Normalises final answers so equal answers vote together (PAPER.md: case, punctuation,
 * option letters vs option text, numbers as words or digits). An option is canonically its
 * upper-case letter ("B"); anything else is lower-case normalised text ("3", "yes", "red car"),
 * so a letter never collides with a text answer.
 */

/** What normalisation knows about the question. */
export interface AnswerContext {
  /** The options the question lists; empty when it lists none. */
  options: readonly QuestionOption[];
  /** The expected form; null normalises generically. */
  form: AnswerForm | null;
}

const ARTICLES = new Set(["a", "an", "the"]);
const YES = new Set(["yes", "yeah", "yep", "yup"]);
const NO = new Set(["no", "nope", "nah"]);
/** Synonyms read as yes/no only when the question expects yes or no. */
const WEAK_YES = new Set(["true", "correct", "right", "affirmative", "certainly", "indeed"]);
const WEAK_NO = new Set(["false", "incorrect", "wrong", "negative"]);

/** "b", "(B)", "b.", "B) pear", "option b": a letter alone or followed by a delimiter. */
const LETTER_ANSWER =
  /^(?:(?:option|choice|answer|letter)\s+)?(?:\(([a-h])\)|([a-h])(?=[.):]|$))[.):]?(?:\s+.*)?$/is;

/** The context for a question and its classification. */
export function answerContext(question: string, cls: QuestionClass): AnswerContext {
  return { options: parseOptions(question), form: answerFormOf(cls) };
}

/**
 * Lower-case (NFKC) text with thousands separators, punctuation and articles removed,
 * number words as digits, numerals canonical and whitespace collapsed.
 */
export function normaliseText(text: string): string {
  const spaced = text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/(\d),(?=\d{3}\b)/g, "$1")
    .replace(/%|\bper cent\b/g, " percent ")
    .replace(/[^\p{L}\p{N}\s.-]/gu, " ")
    .replace(/(?<!\d)\.|\.(?!\d)/g, " ")
    .replace(/-(?!\d)|(?<=[\p{L}\p{N}])-/gu, " ");
  const tokens = spaced.split(/\s+/).filter((token) => token !== "" && !ARTICLES.has(token));
  return numberWordsToDigits(tokens).map(canonicalNumeral).join(" ");
}

function letters(context: AnswerContext): string[] {
  if (context.options.length > 0) return context.options.map((option) => option.letter);
  return context.form === "option" ? [..."ABCDEFGH"] : [];
}

/** The option a cleaned answer names, by letter ("b", "(B) pear") or by its whole text. */
function optionOf(answer: string, context: AnswerContext): string | null {
  const offered = letters(context);
  const match = LETTER_ANSWER.exec(answer);
  const letter = (match?.[1] ?? match?.[2])?.toUpperCase();
  if (letter && offered.includes(letter)) return letter;
  const text = normaliseText(answer);
  const named = context.options.find((option) => normaliseText(option.text) === text);
  return named && text !== "" ? named.letter : null;
}

/** The single number a number answer states ("3 dogs" → "3"; "none" → "0"). */
function numberOf(text: string): string | null {
  const tokens = text.split(" ");
  const numbers = new Set(tokens.filter((token) => /^-?\d+(?:\.\d+)?$/.test(token)));
  if (numbers.size === 1) return [...numbers][0]!;
  if (numbers.size === 0 && (tokens[0] === "none" || tokens[0] === "no")) return "0";
  return null;
}

function yesNoOf(text: string, form: AnswerForm | null): "yes" | "no" | null {
  const first = text.split(" ")[0] ?? "";
  if (YES.has(first) || (form === "yes_no" && WEAK_YES.has(first))) return "yes";
  if (NO.has(first) || (form === "yes_no" && WEAK_NO.has(first))) return "no";
  return null;
}

/**
 * The canonical form of a stated answer, or null when nothing is left. Options first (a
 * named letter wins over mismatched text), then the one number of a number answer, then
 * yes/no by the first word, else the normalised text.
 */
export function normaliseAnswer(raw: string, context: AnswerContext): string | null {
  const answer = cleanAnswer(raw);
  const option = optionOf(answer, context);
  if (option) return option;
  const text = normaliseText(answer);
  if (text === "") return null;
  const number = context.form === "number" ? numberOf(text) : null;
  return number ?? yesNoOf(text, context.form) ?? text;
}

/** Extracts and normalises a response's final answer; null when it states none. */
export function finalAnswer(
  response: string,
  context: AnswerContext,
  options: ExtractionOptions = {},
): string | null {
  const extracted = extractFinalAnswer(response, options);
  return extracted ? normaliseAnswer(extracted.answer, context) : null;
}
