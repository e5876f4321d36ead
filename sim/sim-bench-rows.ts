import { createRandom, type Random } from "../src/core/seeded-random.ts";
import { allocateCategories, type BenchItem, makeBenchItems } from "./sim-bench-items.ts";

/**
 * The rows of the three simulated benchmark files, in the real files' formats and with the
 * real files' quirks (see the design's BENCHMARKS.md), built from `BenchItem`s.
 */

/** A file's rows and the images they refer to. */
export interface BenchRows<Row> {
  rows: Row[];
  images: BenchItem["image"][];
}

/** VLRB's category sizes in the 1,250-row release: the simulated file keeps its proportions. */
const VLRB_WEIGHTS = { general: 183, hallucination: 749, reasoning: 318 };

/** Id prefixes of VLRB's source sets; the loader's official rule maps them to categories. */
const VLRB_SOURCES: Readonly<Record<string, readonly string[]>> = {
  general: ["wildvision_", "vlfeedback_"],
  hallucination: ["hallucination_pair-", "RLAIF-V-", "RLHF-V-"],
  reasoning: ["mathverse_", "mmmu_"],
};

/** 18 of VLRB's 1,250 ids appear twice; 5 of its rows store the preferred response second. */
const REPEATED_ID_SHARE = 18 / 1250;
const PREFERRED_SECOND_SHARE = 5 / 1250;

/** A VL-RewardBench row of the older JSONL release (`image_path` relative to the file). */
export interface VlrbRow {
  id: string;
  query: string;
  image_path: string;
  response: [string, string];
  human_ranking: [0, 1] | [1, 0];
  models: [string, string];
  query_source: string;
  ground_truth: string;
  meta: { simulated: true };
}

/** `count` distinct indexes in [0, n), drawn from `rng`. */
function pickIndexes(n: number, count: number, rng: Random): Set<number> {
  const picked = new Set<number>();
  while (picked.size < Math.min(count, n)) picked.add(rng.int(n));
  return picked;
}

/** Gives some rows the id of an earlier row of the same category, as the real file has. */
function repeatIds(rows: VlrbRow[], categories: readonly string[], rng: Random): void {
  const count = Math.max(2, Math.round(rows.length * REPEATED_ID_SHARE));
  // Never a category's first row, so every target has a source that keeps its own id.
  const eligible = categories.flatMap((c, i) => (categories.indexOf(c) < i ? [i] : []));
  const drawn = pickIndexes(eligible.length, count, rng);
  const targets = new Set([...drawn].map((k) => eligible[k]!));
  for (const target of targets) {
    for (let source = target - 1; source >= 0; source--) {
      if (categories[source] !== categories[target] || targets.has(source)) continue;
      rows[target]!.id = rows[source]!.id;
      break;
    }
  }
}

export function vlrbRows(n: number, seed: string, worldKey: string): BenchRows<VlrbRow> {
  const rng = createRandom("sim-bench-vlrb", seed);
  const categories = allocateCategories(n, VLRB_WEIGHTS, rng);
  const items = makeBenchItems("vlrb", categories, seed, worldKey);
  const second = pickIndexes(n, Math.max(1, Math.round(n * PREFERRED_SECOND_SHARE)), rng);
  const rows = items.map((item, index): VlrbRow => {
    const prefix = rng.pick(VLRB_SOURCES[item.category]!);
    const { chosen, rejected, groundTruth } = item.pair;
    const first = !second.has(index);
    return {
      id: `${prefix}${index + 1}`,
      query: item.question,
      image_path: item.image.path,
      response: first ? [chosen, rejected] : [rejected, chosen],
      human_ranking: first ? [0, 1] : [1, 0],
      models: ["jurist-sim-generator", "jurist-sim-generator"],
      query_source: prefix.replace(/[-_]$/, "").toLowerCase(),
      ground_truth: groundTruth ?? "",
      meta: { simulated: true },
    };
  });
  repeatIds(rows, categories, rng);
  return { rows, images: items.map((item) => item.image) };
}

/** A Multimodal RewardBench row (`Image` relative to the file). */
export interface MmrbRow {
  ID: string;
  Text: string;
  Image: string;
  Output1: string;
  Output2: string;
  Better: "Output1" | "Output2";
  Category: string;
}

/** ID prefixes; the loader splits reasoning by `math…` and safety by `pairs…`, officially. */
const MMRB_ID_PREFIXES: Readonly<Record<string, string>> = {
  "open_generation/correctness_task": "correctness",
  "open_generation/preference_task": "preference",
  knowledge: "knowledge",
  "reasoning/math": "math",
  "reasoning/coding": "coding",
  "safety/bias": "pairs",
  "safety/toxicity": "toxicity",
  vqa: "vqa",
};

export function mmrbRows(n: number, seed: string, worldKey: string): BenchRows<MmrbRow> {
  const rng = createRandom("sim-bench-mmrb", seed);
  const weights = Object.fromEntries(Object.keys(MMRB_ID_PREFIXES).map((c) => [c, 1]));
  const items = makeBenchItems("mmrb", allocateCategories(n, weights, rng), seed, worldKey);
  const rows = items.map((item, index): MmrbRow => {
    const first = rng.chance(0.5);
    const { chosen, rejected } = item.pair;
    return {
      ID: `${MMRB_ID_PREFIXES[item.category]}_${index + 1}`,
      Text: item.question,
      Image: item.image.path,
      Output1: first ? chosen : rejected,
      Output2: first ? rejected : chosen,
      Better: first ? "Output1" : "Output2",
      // The file names the unsplit category; the loader splits it by ID.
      Category: item.category.replace(/^(reasoning|safety)\/.*$/, "$1"),
    };
  });
  return { rows, images: items.map((item) => item.image) };
}

/** A Jurist JSONL row (`images` relative to the file). */
export interface HeldoutRow {
  id: string;
  question: string;
  images: string[];
  chosen: string;
  rejected: string;
  category: "synthetic";
}

export function heldoutRows(n: number, seed: string, worldKey: string): BenchRows<HeldoutRow> {
  const categories = Array<string>(n).fill("synthetic");
  const items = makeBenchItems("heldout", categories, seed, worldKey);
  const rows = items.map(
    (item, index): HeldoutRow => ({
      id: `heldout-${index + 1}`,
      question: item.question,
      images: [item.image.path],
      chosen: item.pair.chosen,
      rejected: item.pair.rejected,
      category: "synthetic",
    }),
  );
  return { rows, images: items.map((item) => item.image) };
}
