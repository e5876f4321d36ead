/**
 * The rule the simulated generator uses to tell closed questions (a short answer that can
 * be voted on) from open ones. Deliberately simple and public, so the trainer and tests can
 * apply the same rule.
 */

/** `number`: a count or quantity. `option`: a multiple-choice letter. `yes_no`: yes or no. */
export type ClosedForm = "number" | "option" | "yes_no";

const OPTION_LABEL = /(?:^|[\s(])([A-H])[).:]\s/gm;
const YES_NO_START =
  /^(is|are|am|does|do|did|can|could|was|were|has|have|had|will|would|should|shall|may|might|must)\b/i;
const NUMBER_CUES =
  /\bhow many\b|\bhow much\b|\bwhat number\b|\bwhat is the (?:total|count|number)\b|\banswer with a (?:single )?number\b/i;

/**
 * The option letters a question offers, in order ("A." / "(A)" / "A)" labels), when at least
 * two consecutive ones from A are present; otherwise an empty list.
 */
export function optionLetters(question: string): string[] {
  const found = new Set<string>();
  for (const match of question.matchAll(OPTION_LABEL)) found.add(match[1]!);
  const letters: string[] = [];
  for (const letter of "ABCDEFGH") {
    if (!found.has(letter)) break;
    letters.push(letter);
  }
  return letters.length >= 2 ? letters : [];
}

/**
 * The short-answer form a question asks for, or null for an open question. Options win over
 * numbers ("How many … ? A. 2 B. 3"), numbers over yes/no; a yes/no question starts with an
 * auxiliary verb, ends with "?" and offers no "or" alternative, or says "yes or no".
 */
export function closedAnswerForm(question: string): ClosedForm | null {
  const text = question.trim();
  if (optionLetters(text).length > 0 || /\boption letter\b/i.test(text)) return "option";
  if (NUMBER_CUES.test(text)) return "number";
  if (/\byes or no\b/i.test(text)) return "yes_no";
  if (YES_NO_START.test(text) && text.endsWith("?") && !/\bor\b/i.test(text)) return "yes_no";
  return null;
}

/**
 * The answer a response states as "The answer is X." (the last such statement), trimmed of
 * brackets and the final full stop; null when the response states none.
 */
export function extractStatedAnswer(response: string): string | null {
  const matches = [
    ...response.matchAll(/the answer is\b\s*:?\s*\(?(.+?)\)?\s*(?:\.(?=\s|$)|$)/gim),
  ];
  const last = matches.at(-1);
  return last ? last[1]!.trim() : null;
}
