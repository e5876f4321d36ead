import { readFile } from "node:fs/promises";
import { writeSimBench } from "../../sim/sim-bench.ts";
import type { SimServer } from "../../sim/sim-server.ts";
import { renderPairwisePrompt } from "../../src/core/pairwise-template.ts";
import type { ResolvedImage } from "../../src/core/types.ts";
import type { EvalItem } from "../../trainer/eval/eval-item.ts";
import { type BenchmarkFormat, loadBenchmark } from "../../trainer/eval/load-benchmark.ts";
import { chat, mapLimit } from "./sim-client.ts";

/** Every item of a freshly written simulated bench (all three files), as the loaders give them. */
export async function simBenchItems(dir: string, n: number, seed = 0): Promise<EvalItem[]> {
  const files = await writeSimBench(dir, { n, seed });
  const sets: [string, BenchmarkFormat][] = [
    [files.vlrb, "vlrb"],
    [files.mmrb, "mmrb"],
    [files.heldout, "jurist"],
  ];
  const loaded = await Promise.all(sets.map(([file, format]) => loadBenchmark(file, format)));
  return loaded.flatMap((result) => result.items);
}

async function resolveImages(item: EvalItem): Promise<ResolvedImage[]> {
  return Promise.all(
    item.images.map(async (image) => {
      if (!("path" in image)) throw new Error("simulated bench images are files");
      const bytes = await readFile(image.path);
      const dataUri = `data:image/png;base64,${bytes.toString("base64")}`;
      return { sha256: "", mime: "image/png", dataUri, byteLength: bytes.length };
    }),
  );
}

/**
 * Judges each item in one order over real HTTP (fast mode, choice-constrained), chosen in
 * slot A for even indexes and B for odd ones; true where the replica named the chosen response.
 */
export async function namesChosen(
  sim: SimServer,
  model: string,
  items: readonly EvalItem[],
): Promise<boolean[]> {
  return mapLimit(items, 16, async (item, index) => {
    const chosenInA = index % 2 === 0;
    const messages = renderPairwisePrompt({
      question: item.question,
      images: await resolveImages(item),
      slotA: chosenInA ? item.chosen : item.rejected,
      slotB: chosenInA ? item.rejected : item.chosen,
      mode: "fast",
    });
    const result = await chat(sim, { model, messages, guided_choice: ["A", "B"] });
    if (result.status !== 200) throw new Error(`sim answered ${result.status}: ${result.text}`);
    return result.json.choices[0].message.content === (chosenInA ? "A" : "B");
  });
}

/** Share of true values. */
export function rate(hits: readonly boolean[]): number {
  return hits.filter(Boolean).length / hits.length;
}

/** Per-category rate of naming the chosen response. */
export function rateByCategory(
  items: readonly EvalItem[],
  hits: readonly boolean[],
): Record<string, { n: number; rate: number }> {
  const groups = new Map<string, boolean[]>();
  items.forEach((item, i) => {
    groups.set(item.category, [...(groups.get(item.category) ?? []), hits[i]!]);
  });
  return Object.fromEntries(
    [...groups].map(([category, list]) => [category, { n: list.length, rate: rate(list) }]),
  );
}
