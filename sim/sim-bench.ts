import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { SIM_BENCH_CATEGORIES } from "./sim-bench-questions.ts";
import { type BenchRows, heldoutRows, mmrbRows, vlrbRows } from "./sim-bench-rows.ts";
import { DEFAULT_WORLD_KEY } from "./world/scene.ts";

/** Options of `writeSimBench`. */
export interface SimBenchOptions {
  /** Rows per file, an integer from SIM_BENCH_MIN_ROWS to SIM_BENCH_MAX_ROWS. */
  n: number;
  /** Equal seeds write byte-identical files; 7 and "7" are the same seed. */
  seed: number | string;
  /** The world key of the replicas that will judge the files; default the sim's default. */
  worldKey?: string;
}

/** Absolute paths of the files `writeSimBench` wrote. */
export interface SimBenchFiles {
  /** VL-RewardBench, older JSONL format: load with format "vlrb". */
  vlrb: string;
  /** Multimodal RewardBench JSON array: load with format "mmrb". */
  mmrb: string;
  /** Jurist JSONL, category "synthetic": load with format "jurist". */
  heldout: string;
}

/** Every MMRB category needs a row. */
export const SIM_BENCH_MIN_ROWS = SIM_BENCH_CATEGORIES.mmrb.length;
export const SIM_BENCH_MAX_ROWS = 100_000;

function readme(options: SimBenchOptions): string {
  return `SIMULATED BENCHMARK FILES - NOT VL-REWARDBENCH, NOT MULTIMODAL REWARDBENCH

Written by \`jurist sim make-bench\` (seed ${options.seed}, ${options.n} rows per file).
They only copy the file formats of VL-RewardBench (vlrb.jsonl, older JSONL release),
Multimodal RewardBench (mmrb.json) and Jurist's own JSONL (heldout.jsonl), including quirks of
the real VLRB file: a few repeated ids, the preferred response stored first in most rows.
The questions, responses, labels and images (images/*.png) are generated. Each image stands
for a scene the simulated engine reads from its bytes, and the labels agree with that scene,
so only a SIMULATED judge scores meaningfully on them. Scores on these files say nothing about a real judge; every report built from them
must say it is simulated. To evaluate a real judge, download the real benchmarks yourself.
`;
}

/** Writes through a temporary name and a rename, so a concurrent reader never sees half a file. */
async function writeAtomic(path: string, data: string | Buffer): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function writeImages(dir: string, sets: BenchRows<unknown>[]): Promise<void> {
  await mkdir(join(dir, "images"), { recursive: true });
  for (const image of sets.flatMap((set) => set.images)) {
    await writeAtomic(join(dir, image.path), image.bytes);
  }
}

const jsonl = (rows: readonly unknown[]) => rows.map((row) => `${JSON.stringify(row)}\n`).join("");

/**
 * Writes the simulated benchmark files into `dir` (created if missing): vlrb.jsonl, mmrb.json,
 * heldout.jsonl, images/*.png and README.txt saying they are SIMULATED. Images go first and
 * each file is renamed into place whole, so a reader that finds a benchmark file finds its
 * images too. Deterministic for (n, seed, worldKey); rewriting replaces the files.
 * Throws a RangeError for a bad `n`, and on any filesystem error.
 */
export async function writeSimBench(dir: string, options: SimBenchOptions): Promise<SimBenchFiles> {
  const { n } = options;
  if (!Number.isInteger(n) || n < SIM_BENCH_MIN_ROWS || n > SIM_BENCH_MAX_ROWS) {
    throw new RangeError(
      `n must be an integer from ${SIM_BENCH_MIN_ROWS} to ${SIM_BENCH_MAX_ROWS}`,
    );
  }
  const seed = String(options.seed);
  const worldKey = options.worldKey ?? DEFAULT_WORLD_KEY;
  const root = resolve(dir);
  const files: SimBenchFiles = {
    vlrb: join(root, "vlrb.jsonl"),
    mmrb: join(root, "mmrb.json"),
    heldout: join(root, "heldout.jsonl"),
  };
  const vlrb = vlrbRows(n, seed, worldKey);
  const mmrb = mmrbRows(n, seed, worldKey);
  const heldout = heldoutRows(n, seed, worldKey);
  await writeImages(root, [vlrb, mmrb, heldout]);
  await writeAtomic(files.vlrb, jsonl(vlrb.rows));
  await writeAtomic(files.mmrb, `${JSON.stringify(mmrb.rows, null, 2)}\n`);
  await writeAtomic(files.heldout, jsonl(heldout.rows));
  await writeAtomic(join(root, "README.txt"), readme(options));
  return files;
}
