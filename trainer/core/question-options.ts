/**
 * The multiple-choice options a question lists ("A. red", "(B) blue", "C) green", "D: grey").
 * The label rule is the simulated engine's (`sim/question-form.ts`): a capital A–H after
 * a line start, a space or "(", then ")", "." or ":" and a space; at least two consecutive
 * letters from A count as options, so "Plan B. is fine" lists none.
 */

/** One listed option: its letter and the text after the label, trimmed. */
export interface QuestionOption {
  letter: string;
  text: string;
}

const OPTION_LABEL = /(?:^|[\s(])([A-H])[).:]\s/gm;

interface Label {
  letter: string;
  /** Offset where the label starts (its "(" when present). */
  start: number;
  /** Offset just after the label. */
  end: number;
}

function findLabels(question: string): Label[] {
  return [...question.matchAll(OPTION_LABEL)].map((match) => {
    const letterAt = match.index + (/^[\s(]/.test(match[0]) ? 1 : 0);
    const start = question[letterAt - 1] === "(" ? letterAt - 1 : letterAt;
    return { letter: match[1]!, start, end: match.index + match[0].length };
  });
}

/** The first label of each letter A, B, C…, stopping at the first missing letter. */
function consecutiveFromA(labels: Label[]): Label[] {
  const chosen: Label[] = [];
  for (const letter of "ABCDEFGH") {
    const label = labels.find((l) => l.letter === letter);
    if (!label) break;
    chosen.push(label);
  }
  return chosen.length >= 2 ? chosen : [];
}

/** Where an option's text stops: the next label of any letter, or the end of its line. */
function textEnd(question: string, label: Label, labels: Label[]): number {
  const next = labels.find((l) => l.start >= label.end)?.start ?? question.length;
  const lineEnd = question.indexOf("\n", label.end);
  return lineEnd >= 0 && lineEnd < next ? lineEnd : next;
}

/** An instruction written on the last option's line ("D. grey Answer with the letter."). */
const INSTRUCTION_TAIL =
  /\s+(?:Answer|Please|Choose|Select|Respond|Reply|Pick|Give|Output)\b[\s\S]*/;

/**
 * The options a question lists, in letter order, with their texts: each text runs to the
 * next label or the end of its line, and the last one stops before a trailing instruction.
 * Empty when fewer than two consecutive options exist.
 */
export function parseOptions(question: string): QuestionOption[] {
  const labels = findLabels(question);
  const chosen = consecutiveFromA(labels);
  return chosen.map((label, i) => {
    const text = question.slice(label.end, textEnd(question, label, labels)).trim();
    const last = i === chosen.length - 1;
    return { letter: label.letter, text: last ? text.replace(INSTRUCTION_TAIL, "") : text };
  });
}
