import { classifyQuestion, type QuestionClass } from "../core/question-classifier.ts";
import { type IterationContext, stageFile } from "../pipeline/iteration-context.ts";
import { readRecords, toJsonl, writeFileAtomic } from "../pipeline/record-journal.ts";
import { INTAKE_FILES, type IntakePrompt } from "./intake.ts";

/** A training prompt with its classification and the rule that fired. */
export interface ClassifiedPrompt extends IntakePrompt {
  cls: QuestionClass;
}

export const CLASSIFY_FILE = "classify.jsonl";

/** Classifies every training prompt (pure and cheap: redone whole on a restart). */
export async function runClassify(ctx: IterationContext): Promise<ClassifiedPrompt[]> {
  const prompts = await readRecords<IntakePrompt>(stageFile(ctx, INTAKE_FILES.train));
  const classified = prompts.map((prompt) => ({
    ...prompt,
    cls: classifyQuestion(prompt.question),
  }));
  await writeFileAtomic(stageFile(ctx, CLASSIFY_FILE), toJsonl(classified));
  const closed = classified.filter((p) => p.cls.kind === "closed").length;
  ctx.logger.info(
    { stage: "classify", closed, open: classified.length - closed },
    "classification done",
  );
  return classified;
}
