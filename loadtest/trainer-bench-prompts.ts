import { createHash } from "node:crypto";
import { seedImage } from "../sim/seed-prompts.ts";
import type { BlobStore } from "../src/store/blob-store.ts";
import type { PromptLog, PromptRecord } from "../src/store/prompt-log.ts";
import type { BenchmarkItem } from "../trainer/core/contamination-guard.ts";

/** Every key the benchmark writes starts with this, as the gateway's do. */
export const KEY_PREFIX = "jurist:";

/** The prompt log's cap while filling it: above the prompt count, so nothing is trimmed. */
export const STREAM_MAX_LENGTH = 1_000_000;

/** The trainer's default held-out share (JURIST_TRAIN_HOLDOUT_FRACTION). */
export const HOLDOUT_FRACTION = 0.05;

/** Distinct images the collected prompts share (prompt i shows image i mod this). */
export const DISTINCT_IMAGES = 200;

/** Benchmark items in the contamination index; a few match streamed prompts. */
export const BENCHMARK_ITEMS = 1_000;

/** Every this-many-th prompt (from 7) has a benchmark item's question. */
const QUESTION_MATCH_EVERY = 10_000;

/** The image a benchmark item shares with the prompts: every prompt showing it is dropped. */
const CONTAMINATED_IMAGE = DISTINCT_IMAGES - 1;

/** Records appended per round trip while filling the stream. */
const FILL_BATCH = 1_000;

const QUESTIONS: ((index: number) => string)[] = [
  (i) => `How many cups are on table ${i}? Answer with a number.`,
  (i) => `What colour is car ${i}? A. red B. blue C. green D. white Answer with the option letter.`,
  (i) => `Is there a dog next to bench ${i}? Answer yes or no.`,
  (i) => `Describe the scene around lamp ${i} in detail.`,
  (i) => `Write a caption for photo ${i} of a yellow kite.`,
];

/** The i-th collected question: five forms in rotation (three closed, two open), all distinct. */
export function benchQuestion(index: number): string {
  return QUESTIONS[index % QUESTIONS.length]!(index);
}

/** The bytes and SHA-256 of distinct image `index`. */
export function benchImage(index: number): { bytes: Buffer; sha256: string } {
  const bytes = seedImage(`trainer-bench-${index}`);
  return { bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
}

/** Puts the distinct images into the blob store; returns their SHA-256s by index. */
export async function writeBenchImages(blobs: BlobStore): Promise<string[]> {
  const hashes: string[] = [];
  for (let index = 0; index < DISTINCT_IMAGES; index++) {
    const { bytes, sha256 } = benchImage(index);
    await blobs.put(sha256, bytes);
    hashes.push(sha256);
  }
  return hashes;
}

/** The i-th collected prompt, as the gateway's collector records it. */
function benchRecord(index: number, imageHashes: readonly string[]): PromptRecord {
  return {
    id: `col_bench_${index}`,
    tenant: "acme",
    question: benchQuestion(index),
    imageHashes: [imageHashes[index % DISTINCT_IMAGES]!],
    responses: ["There are two red cups on the table.", "There are three cups on the table."],
    verdict: { winner: "A", probabilityA: 0.8, consistent: true },
    checkpoint: "jurist-sim-judge",
    at: 1_700_000_000_000 + index,
    contentHash: createHash("sha256").update(`trainer-bench:${index}`).digest("hex"),
  };
}

/**
 * Appends `count` distinct collected prompts (no dedup window), FILL_BATCH per round trip;
 * returns how many the log took. `onBatch` hears the running total.
 */
export async function fillPromptStream(
  log: PromptLog,
  imageHashes: readonly string[],
  count: number,
  onBatch?: (appended: number) => void,
): Promise<number> {
  let appended = 0;
  for (let start = 0; start < count; start += FILL_BATCH) {
    const end = Math.min(count, start + FILL_BATCH);
    const records = Array.from({ length: end - start }, (_, i) =>
      benchRecord(start + i, imageHashes),
    );
    appended += (await log.appendBatch(records, 0)).appended;
    onBatch?.(appended);
  }
  return appended;
}

/**
 * BENCHMARK_ITEMS benchmark items: one shares an image with the prompts, a few share a
 * prompt's question, the rest match nothing. `expectedDrops` is what the guard must drop
 * from a stream of `count` prompts.
 */
export function benchmarkItems(count: number): { items: BenchmarkItem[]; expectedDrops: number } {
  const items: BenchmarkItem[] = [
    {
      benchmark: "bench",
      id: "image-match",
      question: "Which object is left of the tree?",
      imageSha256s: [benchImage(CONTAMINATED_IMAGE).sha256],
    },
  ];
  let questionMatches = 0;
  for (let index = 7; index < count; index += QUESTION_MATCH_EVERY) {
    items.push({
      benchmark: "bench",
      id: `question-match-${index}`,
      question: benchQuestion(index),
      imageSha256s: [createHash("sha256").update(`unrelated-${index}`).digest("hex")],
    });
    questionMatches++;
  }
  for (let index = items.length; index < BENCHMARK_ITEMS; index++) {
    items.push({
      benchmark: "bench",
      id: `item-${index}`,
      question: `Benchmark question ${index}: what is under the umbrella?`,
      imageSha256s: [createHash("sha256").update(`benchmark-image-${index}`).digest("hex")],
    });
  }
  const imageMatches = Math.floor((count - 1 - CONTAMINATED_IMAGE) / DISTINCT_IMAGES) + 1;
  return { items, expectedDrops: Math.max(0, imageMatches) + questionMatches };
}
