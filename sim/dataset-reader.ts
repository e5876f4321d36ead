import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parseVerdict } from "../src/core/verdict-parser.ts";
import { readJudgePrompt } from "./prompt-reader.ts";
import { exampleFeatures, type LearnerExample } from "./world/learner.ts";
import type { SkillTable } from "./world/skills.ts";
import { promptScene } from "./world/world-view.ts";

/** One training example as the simulated fine-tune reads it (TRL conversational format). */
interface ExampleLike {
  messages?: { role?: string; content?: unknown }[];
  images?: unknown;
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .flatMap((part: { type?: string; text?: unknown }) =>
      part?.type === "text" && typeof part.text === "string" ? [part.text] : [],
    )
    .join("\n");
}

/** What reading a dataset gave: the learner's examples and how many lines it could not use. */
export interface ReadDataset {
  examples: LearnerExample[];
  unreadable: number;
}

/**
 * Reads a TRL dataset file the way the simulated fine-tune sees it: each example's judge
 * prompt, its verdict and its image (paths relative to the file), seen with the base model's
 * eyesight (`capacity`). Lines that are not JSON, or lack a judge prompt, a verdict or a
 * readable image, are counted and skipped, as a trainer would fail to tokenise them.
 */
export async function readDataset(
  path: string,
  worldKey: string,
  capacity: Partial<SkillTable> | undefined,
): Promise<ReadDataset> {
  const lines = (await readFile(path, "utf8")).split("\n").filter((line) => line.trim());
  const examples: LearnerExample[] = [];
  let unreadable = 0;
  for (const line of lines) {
    let example: ExampleLike;
    try {
      example = JSON.parse(line) as ExampleLike;
    } catch {
      unreadable++;
      continue;
    }
    const messages = example.messages ?? [];
    const user = messages.findLast((m) => m.role === "user");
    const assistant = messages.findLast((m) => m.role === "assistant");
    const prompt = user ? readJudgePrompt(textOf(user.content)) : null;
    const verdict = assistant ? parseVerdict(textOf(assistant.content), "reasoned") : null;
    const images = Array.isArray(example.images)
      ? example.images.filter((i) => typeof i === "string")
      : [];
    const bytes = await Promise.all(
      images.slice(0, 1).map((image) => readFile(resolve(dirname(path), image)).catch(() => null)),
    );
    if (!prompt || !verdict?.ok || bytes.some((b) => b === null)) {
      unreadable++;
      continue;
    }
    const scene = promptScene(bytes as Buffer[], prompt.question, worldKey);
    examples.push(exampleFeatures({ ...prompt, scene, worldKey, verdict: verdict.slot }, capacity));
  }
  return { examples, unreadable };
}
