import { parseOptions } from "./question-options.ts";

/**
 * Closed or open (PAPER.md step 1 leaves the rule open): closed questions have a short answer
 * that 16 samples can vote on; open ones get an error-injected rewrite instead. The rule is
 * an ordered list of transparent cues, and the result names the cue that fired, so the
 * manifest can count prompts per rule and a surprising class can be traced to its cause.
 */

export type QuestionKind = "closed" | "open";

/**
 * Why a question is closed: it lists options, asks for a number, for yes/no or for a short
 * phrase; `sampled_short_answers` when the sampled answers' form promoted an open question.
 */
export type ClosedRule =
  | "option_letter"
  | "number"
  | "yes_no"
  | "short_phrase"
  | "sampled_short_answers";

/**
 * Why a question is open: it asks for a description, caption or explanation; it has no
 * closed cue; or `sampled_long_answers` when the samples rarely state a short answer.
 */
export type OpenRule = "long_answer" | "no_closed_cue" | "sampled_long_answers";

/** A classification, with the rule that fired and a human-readable detail. */
export type QuestionClass =
  | { kind: "closed"; rule: ClosedRule; detail: string }
  | { kind: "open"; rule: OpenRule; detail: string };

/** The short-answer form a closed question expects, for answer normalisation. */
export type AnswerForm = "option" | "number" | "yes_no" | "phrase";

/** Phrases that ask to justify a short answer, so they do not make a question open. */
const JUSTIFY =
  /\b(?:explain|justify) (?:your|the) (?:answer|reasoning|choice)\b|\bshow your work\b/gi;

const LONG_CUES =
  /\b(?:describe|description|explain|explanation|why|caption|in detail|detailed|elaborate|summari[sz]e|tell me about|what is happening|what's happening|discuss|analy[sz]e|write|story)\b/i;

const NUMBER_CUES =
  /\bhow many\b|\bhow much\b|\bhow old\b|\bwhat number\b|\bnumber of\b|\bwhat (?:year|percentage)\b|\bwhat is the (?:total|count|number|sum)\b|\banswer with a (?:single )?number\b/i;

const YES_NO_START =
  /^(?:is|are|am|does|do|did|can|could|was|were|has|have|had|will|would|should|shall|may|might|must)\b/i;

const SHORT_PHRASE_CUES: ReadonlyArray<[RegExp, string]> = [
  [
    /\b(?:in (?:one|a single) word|one word|single word|one or two words|a few words|short phrase)\b/i,
    "asks for a word or short phrase",
  ],
  [/\bwhat colou?r\b/i, "asks for a colour"],
  [/\bwhat (?:shape|brand|sport|animal|season|time|day)\b/i, "asks for a name or category"],
  [
    /\bwhat (?:does|do) the (?:sign|text|label|writing)\b|\bwhat is written\b/i,
    "asks for text in the image",
  ],
  [/\bwhich\b[^?]*\bor\b/i, "which-question with inline alternatives"],
];

function closed(rule: ClosedRule, detail: string): QuestionClass {
  return { kind: "closed", rule, detail };
}

function shortPhraseCue(text: string): string | null {
  for (const [pattern, detail] of SHORT_PHRASE_CUES) if (pattern.test(text)) return detail;
  if (YES_NO_START.test(text) && /\bor\b/i.test(text)) return "either-or alternatives";
  return null;
}

/**
 * Classifies a question by the first rule that fires: listed options → option_letter; a
 * description/caption/explanation cue → open long_answer; a count cue → number; "yes or
 * no" → yes_no; a short-phrase cue (one word, what colour, text reading, which/either-or
 * alternatives) → short_phrase; an auxiliary-verb question ending in "?" → yes_no; else open.
 */
export function classifyQuestion(question: string): QuestionClass {
  const text = question.trim();
  const options = parseOptions(text);
  if (options.length > 0) {
    return closed("option_letter", `lists options ${options.map((o) => o.letter).join("")}`);
  }
  if (/\boption letter\b/i.test(text)) return closed("option_letter", "asks for an option letter");
  const long = LONG_CUES.exec(text.replace(JUSTIFY, ""));
  if (long) return { kind: "open", rule: "long_answer", detail: `cue "${long[0].toLowerCase()}"` };
  const number = NUMBER_CUES.exec(text);
  if (number) return closed("number", `cue "${number[0].toLowerCase()}"`);
  if (/\byes or no\b/i.test(text)) return closed("yes_no", 'says "yes or no"');
  const phrase = shortPhraseCue(text);
  if (phrase) return closed("short_phrase", phrase);
  if (YES_NO_START.test(text) && text.endsWith("?")) {
    return closed("yes_no", "starts with an auxiliary verb and ends with ?");
  }
  return { kind: "open", rule: "no_closed_cue", detail: "no closed-question cue" };
}

/** The answer form a classification implies; null for an open question. */
export function answerFormOf(cls: QuestionClass): AnswerForm | null {
  if (cls.kind === "open") return null;
  if (cls.rule === "option_letter") return "option";
  if (cls.rule === "number" || cls.rule === "yes_no") return cls.rule;
  return "phrase";
}
