import { rename } from "node:fs/promises";
import { classifyQuestion, type QuestionClass } from "../core/question-classifier.ts";
import { forEachJsonl, openAppender } from "../io/jsonl-files.ts";
import { INTAKE_FILES, type IntakePrompt } from "./intake-sink.ts";
import { type IterationContext, stageFile } from "./iteration-context.ts";

/** A training prompt with its classification and the rule that fired. */
export interface ClassifiedPrompt extends IntakePrompt {
  cls: QuestionClass;
}

export const CLASSIFY_FILE = "classify.jsonl";

/** Prompts classified per write. */
const BATCH = 1_000;

/**
 * Classifies every training prompt, streaming from `intake.jsonl` to `classify.jsonl` in
 * constant memory. Pure and cheap, so a restart redoes it whole: it writes a temporary file
 * and renames it into place, and readers never see half of it.
 */
export async function runClassify(ctx: IterationContext) {
  const target = stageFile(ctx, CLASSIFY_FILE);
  const temp = `${target}.${process.pid}.tmp`;
  const out = await openAppender<ClassifiedPrompt>(temp);
  const counts = { closed: 0, open: 0 };
  try {
    await forEachJsonl<IntakePrompt>(stageFile(ctx, INTAKE_FILES.train), async (prompt) => {
      const cls = classifyQuestion(prompt.question);
      counts[cls.kind]++;
      out.add({ ...prompt, cls });
      if ((counts.closed + counts.open) % BATCH === 0) {
        await out.flush();
        ctx.signal.throwIfAborted();
      }
    });
  } finally {
    await out.close();
  }
  await rename(temp, target);
  ctx.logger.info({ stage: "classify", ...counts }, "classification done");
  return counts;
}
