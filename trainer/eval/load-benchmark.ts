import { open } from "node:fs/promises";
import { extname } from "node:path";
import type { BenchmarkFormat } from "../../src/config/benchmark-formats.ts";
import { PARQUET_MAGIC_LENGTH, startsWithParquetMagic } from "../../src/core/parquet-magic.ts";
import type { LoadResult } from "./eval-item.ts";
import { loadJuristJsonl } from "./jurist-jsonl.ts";
import { loadMmrb } from "./mmrb-json.ts";
import { loadRewardBench } from "./rewardbench-jsonl.ts";
import { loadRewardBenchParquet } from "./rewardbench-parquet.ts";
import { loadVlrbJsonl } from "./vlrb-jsonl.ts";
import { loadVlrbParquet } from "./vlrb-parquet.ts";

/** The format of a benchmark file is named by its benchmark (declared beside JURIST_BENCHMARKS). */
export { BENCHMARK_FORMATS, type BenchmarkFormat } from "../../src/config/benchmark-formats.ts";

/**
 * Parquet when the file starts with parquet's magic bytes, JSONL otherwise. A file named
 * `.parquet` without them throws: it is usually a Git LFS pointer or a truncated download, and
 * reading it as JSONL would bury that under one "not valid JSON" row per line.
 */
export async function benchmarkFileKind(file: string): Promise<"parquet" | "jsonl"> {
  const handle = await open(file, "r");
  try {
    const head = Buffer.alloc(PARQUET_MAGIC_LENGTH);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (startsWithParquetMagic(head.subarray(0, bytesRead))) return "parquet";
  } finally {
    await handle.close();
  }
  if (extname(file).toLowerCase() === ".parquet") {
    throw new Error(`${file} is named .parquet but does not start with PAR1: not a parquet file`);
  }
  return "jsonl";
}

/**
 * Loads a benchmark file. VLRB comes as parquet (current Hub release, images inline) or JSONL
 * (older release, image paths); RewardBench as parquet (the Hub release) or JSONL (an export):
 * the magic bytes decide (see `benchmarkFileKind`).
 * Malformed rows are reported in the result; a missing or unreadable file throws.
 */
export async function loadBenchmark(file: string, format: BenchmarkFormat): Promise<LoadResult> {
  switch (format) {
    case "vlrb":
      return (await benchmarkFileKind(file)) === "parquet"
        ? loadVlrbParquet(file)
        : loadVlrbJsonl(file);
    case "mmrb":
      return loadMmrb(file);
    case "rewardbench":
      return (await benchmarkFileKind(file)) === "parquet"
        ? loadRewardBenchParquet(file)
        : loadRewardBench(file);
    case "jurist":
      return loadJuristJsonl(file);
  }
}
