import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeSeedPrompts } from "../../sim/seed-prompts.ts";
import { classifyQuestion } from "../../trainer/core/question-classifier.ts";
import { CLASSIFY_FILE, type ClassifiedPrompt } from "../../trainer/stages/classify.ts";

/**
 * Writes `count` classified seed prompts into `dir`'s classify.jsonl, their PNGs in
 * `dir/images`: the input synthesis reads, for tests and trainer benchmarks that start there.
 */
export function writeClassifiedPrompts(dir: string, count: number, seed: string): void {
  const images = join(dir, "images");
  mkdirSync(images, { recursive: true });
  const lines = makeSeedPrompts(count, seed).map(({ prompt, image }) => {
    const path = join(images, prompt.images[0]!);
    writeFileSync(path, image);
    const classified: ClassifiedPrompt = {
      id: prompt.id,
      question: prompt.question,
      images: [path],
      imageHashes: [createHash("sha256").update(image).digest("hex")],
      source: "stream",
      cls: classifyQuestion(prompt.question),
    };
    return `${JSON.stringify(classified)}\n`;
  });
  writeFileSync(join(dir, CLASSIFY_FILE), lines.join(""));
}
