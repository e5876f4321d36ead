import {
  ERROR_KINDS,
  type ErrorKind,
  type InjectedError,
  REWRITE_MARKERS,
  type Rewrite,
} from "../src/core/generator-prompts.ts";

/**
 * The simulated engine's side of the generator prompts (defined once in
 * src/core/generator-prompts.ts): reading a rewrite request back, and parsing a rewrite.
 */

/** Reads a rewrite prompt's user text back; null when it is not one. */
export function readRewritePrompt(
  text: string,
): { question: string; original: string; errorCount: number } | null {
  const m = REWRITE_MARKERS;
  const start = text.indexOf(m.startOriginal);
  const end = text.lastIndexOf(m.endOriginal);
  if (start < 0 || end < start) return null;
  const original = stripOneNewline(text.slice(start + m.startOriginal.length, end));
  const head = text.slice(0, start);
  const count = /\[Number of Errors\]\s*(\d+)/.exec(head);
  const questionAt = head.indexOf(m.question);
  const questionEnd = head.indexOf(m.errorCount);
  const question =
    questionAt < 0
      ? ""
      : head.slice(questionAt + m.question.length, questionEnd < 0 ? undefined : questionEnd);
  const errorCount = Math.min(5, Math.max(1, count ? Number(count[1]) : 2));
  return { question: question.trim(), original, errorCount };
}

const ERROR_LINE = /^- (\w+): ("(?:[^"\\]|\\.)*") -> ("(?:[^"\\]|\\.)*")\s*$/;

/**
 * Reads a rewrite from a model's output: the text between the rewrite markers and the
 * error lines that parse. Null when the markers are missing (e.g. cut by max_tokens) or
 * the rewrite is empty.
 */
export function parseRewriteOutput(output: string): Rewrite | null {
  const m = REWRITE_MARKERS;
  const start = output.indexOf(m.startRewrite);
  const end = output.indexOf(m.endRewrite, start + 1);
  if (start < 0 || end < 0) return null;
  const text = stripOneNewline(output.slice(start + m.startRewrite.length, end)).trim();
  if (text === "") return null;
  const errors: InjectedError[] = [];
  for (const line of output.slice(end + m.endRewrite.length).split("\n")) {
    const match = ERROR_LINE.exec(line.trim());
    if (!match || !(ERROR_KINDS as readonly string[]).includes(match[1]!)) continue;
    errors.push({
      kind: match[1] as ErrorKind,
      from: JSON.parse(match[2]!) as string,
      to: JSON.parse(match[3]!) as string,
    });
  }
  return { text, errors };
}

function stripOneNewline(text: string): string {
  return text.replace(/^\n/, "").replace(/\n$/, "");
}
