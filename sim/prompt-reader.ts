import { dataUriText } from "../src/core/data-uri-payload.ts";
import { PAIRWISE_MARKERS } from "../src/core/pairwise-template.ts";
import type { ChatMessage } from "../src/core/types.ts";
import { readRewritePrompt } from "./generator-prompts.ts";
import { type ClosedForm, closedAnswerForm } from "./world/question-form.ts";

/** What the simulated engine understood a request to ask for. */
export type SimPrompt = (
  | { kind: "judge"; question: string; rubric?: string; slotA: string; slotB: string }
  | { kind: "rewrite"; question: string; original: string; errorCount: number }
  | { kind: "closed"; question: string; form: ClosedForm }
  | { kind: "open"; question: string }
) & {
  /** The image URLs of the last user message, in order (data URIs carry the scene). */
  imageUrls: string[];
};

/** The text of the last user message (its text parts joined by newlines); "" when none. */
export function lastUserText(messages: readonly ChatMessage[]): string {
  const user = messages.findLast((message) => message.role === "user");
  if (!user) return "";
  if (typeof user.content === "string") return user.content;
  return user.content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("\n");
}

function between(text: string, start: string, end: string, from = 0): string | null {
  const at = text.indexOf(start, from);
  const stop = text.lastIndexOf(end);
  if (at < 0 || stop < at + start.length) return null;
  return text
    .slice(at + start.length, stop)
    .replace(/^\n/, "")
    .replace(/\n$/, "");
}

/**
 * Reads a pairwise judge prompt (core/pairwise-template.ts) by its markers; null when the
 * text is not one. Slot B is read from the last B marker, so a response quoting the A
 * markers cannot shift it.
 */
export function readJudgePrompt(
  text: string,
): { question: string; rubric?: string; slotA: string; slotB: string } | null {
  const m = PAIRWISE_MARKERS;
  const startB = text.lastIndexOf(m.startB);
  if (startB < 0) return null;
  const slotA = between(text.slice(0, startB), m.startA, m.endA);
  const slotB = between(text, m.startB, m.endB, startB);
  if (slotA === null || slotB === null) return null;
  const head = text.slice(0, text.indexOf(m.startA));
  const rubricAt = head.indexOf(m.rubric);
  const questionEnd = rubricAt < 0 ? head.length : rubricAt;
  const questionAt = head.indexOf(m.question);
  const question = questionAt < 0 ? "" : head.slice(questionAt + m.question.length, questionEnd);
  const rubric = rubricAt < 0 ? undefined : head.slice(rubricAt + m.rubric.length).trim();
  return { question: question.trim(), ...(rubric ? { rubric } : {}), slotA, slotB };
}

/** The image URLs of the last user message, in order. */
function lastUserImages(messages: readonly ChatMessage[]): string[] {
  const user = messages.findLast((message) => message.role === "user");
  if (!user || typeof user.content === "string") return [];
  return user.content.flatMap((part) =>
    part.type === "image_url" ? [dataUriText(part.image_url.url)] : [],
  );
}

/** Classifies a request: judge prompt, rewrite prompt, closed question, or anything else. */
export function readPrompt(messages: readonly ChatMessage[]): SimPrompt {
  const text = lastUserText(messages);
  const imageUrls = lastUserImages(messages);
  const judge = readJudgePrompt(text);
  if (judge) return { kind: "judge", ...judge, imageUrls };
  const rewrite = readRewritePrompt(text);
  if (rewrite) return { kind: "rewrite", ...rewrite, imageUrls };
  const form = closedAnswerForm(text);
  if (form) return { kind: "closed", question: text, form, imageUrls };
  return { kind: "open", question: text, imageUrls };
}
