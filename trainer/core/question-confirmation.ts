import { type ExtractedAnswer, extractFinalAnswer } from "./answer-extraction.ts";
import type { QuestionClass } from "./question-classifier.ts";

/** Options of `confirmByAnswers`. */
export interface ConfirmationOptions {
  /** Share of samples that must state a short final answer for a closed class; default 0.8. */
  threshold?: number;
  /** Word limit of a short final answer; default 8. */
  maxWords?: number;
}

/** The default share of short-answer samples that confirms a closed question. */
export const CONFIRMATION_THRESHOLD = 0.8;

const EXPLICIT = new Set<ExtractedAnswer["via"]>(["boxed", "statement", "label"]);

function share(
  responses: readonly string[],
  counts: (found: ExtractedAnswer) => boolean,
  maxWords?: number,
) {
  const hits = responses.filter((response) => {
    const found = extractFinalAnswer(response, { maxWords });
    return found !== null && counts(found);
  }).length;
  return { hits, rate: hits / responses.length };
}

/**
 * Confirms or revises a classification by the form of sampled answers (optional step). A
 * closed question stays closed when at least `threshold` of the samples state a short final
 * answer in any form, else it becomes open (`sampled_long_answers`), so its prompt still
 * yields a rewrite pair instead of a skipped vote. An open question becomes closed
 * (`sampled_short_answers`) only when that share state it explicitly ("The answer is X",
 * "Answer: X", \boxed{X}): a one-line caption is short but is not an answer to vote on.
 * No samples: unchanged.
 */
export function confirmByAnswers(
  cls: QuestionClass,
  responses: readonly string[],
  options: ConfirmationOptions = {},
): QuestionClass {
  if (responses.length === 0) return cls;
  const threshold = options.threshold ?? CONFIRMATION_THRESHOLD;
  const counts = cls.kind === "closed" ? () => true : (f: ExtractedAnswer) => EXPLICIT.has(f.via);
  const { hits, rate } = share(responses, counts, options.maxWords);
  const tally = `${hits}/${responses.length} samples state a short final answer`;
  if (cls.kind === "closed" && rate < threshold) {
    return { kind: "open", rule: "sampled_long_answers", detail: `${tally} (was ${cls.rule})` };
  }
  if (cls.kind === "open" && rate >= threshold) {
    return { kind: "closed", rule: "sampled_short_answers", detail: `${tally} (was ${cls.rule})` };
  }
  return { ...cls, detail: `${cls.detail}; ${tally}` };
}
