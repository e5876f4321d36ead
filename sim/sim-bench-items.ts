import { createRandom, type Random } from "../src/core/seeded-random.ts";
import { benchImage } from "./sim-bench-image.ts";
import { type BenchPair, benchPair } from "./sim-bench-pairs.ts";
import { renderBenchQuestion } from "./sim-bench-questions.ts";
import { sceneKey, sceneOf } from "./world/scene.ts";
import { COLOURS } from "./world/scene-vocabulary.ts";

/** One simulated benchmark item before it is written in a file's format. */
export interface BenchItem {
  category: string;
  question: string;
  pair: BenchPair;
  /** Path relative to the benchmark directory (`images/vlrb-007.png`) and the PNG bytes. */
  image: { path: string; bytes: Buffer };
}

/**
 * `n` category names in a seeded order, each category's share following `weights` (largest
 * remainder rounding) with at least one item per category. `n` must be at least the number
 * of categories.
 */
export function allocateCategories(
  n: number,
  weights: Readonly<Record<string, number>>,
  rng: Random,
): string[] {
  const entries = Object.entries(weights);
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  const counts = entries.map(([name, w]) => ({ name, exact: (n * w) / total, count: 0 }));
  for (const c of counts) c.count = Math.max(1, Math.floor(c.exact));
  const byRemainder = [...counts].sort((a, b) => b.exact - b.count - (a.exact - a.count));
  let left = n - counts.reduce((sum, c) => sum + c.count, 0);
  for (let i = 0; left > 0; i++, left--) byRemainder[i % byRemainder.length]!.count++;
  for (; left < 0; left++) [...counts].sort((a, b) => b.count - a.count)[0]!.count--;
  const list = counts.flatMap((c) => Array<string>(c.count).fill(c.name));
  for (let i = list.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

/** The items of one file, in order; `file` names the images and separates the seeds. */
export function makeBenchItems(
  file: string,
  categories: readonly string[],
  seed: string,
  worldKey: string,
): BenchItem[] {
  const width = String(categories.length).length;
  return categories.map((category, index) => {
    const rng = createRandom("sim-bench-item", seed, file, index);
    const bytes = benchImage(rng, rng.pick(COLOURS), 1 + rng.int(9));
    const scene = sceneOf(sceneKey([bytes], ""), worldKey);
    const question = renderBenchQuestion(category, scene, rng);
    const pair = benchPair(
      question.kind,
      category,
      question.text,
      scene,
      `${seed}:${file}:${index}`,
    );
    const path = `images/${file}-${String(index + 1).padStart(width, "0")}.png`;
    return { category, question: question.text, pair, image: { path, bytes } };
  });
}
