import { createHash } from "node:crypto";

/** The benchmark formats Jurist reads. */
export type BenchmarkName = "vlrb" | "mmrb" | "rewardbench" | "jurist";

/**
 * Where an item's image comes from: a file (absolute path, already checked to exist and to be
 * an image), inline bytes (VLRB parquet), or a URL (Jurist JSONL; never fetched at load time).
 */
export type EvalImage = { path: string } | { bytes: Uint8Array } | { url: string };

/** One preference pair of a benchmark, whatever file format it came from. */
export interface EvalItem {
  /**
   * Unique within one load: `<row index>:<content hash>`. Benchmark ids are not unique (VLRB
   * repeats 18 of them), so nothing may be keyed by `id`.
   */
  key: string;
  /** The id as the file spells it (numbers become strings). */
  id: string;
  benchmark: BenchmarkName;
  /** Lower case, e.g. "hallucination", "reasoning/math", "alpacaeval-easy". */
  category: string;
  question: string;
  images: EvalImage[];
  /**
   * Lower-case hex SHA-256 of each image whose bytes were read (files and inline bytes, in
   * image order); URL images have none, so this can be shorter than `images`.
   */
  imageSha256s: string[];
  chosen: string;
  rejected: string;
  /**
   * Whether the file stores the preferred response first (VLRB: `human_ranking[0] === 0`; MMRB:
   * `Better === "Output1"`; formats that name `chosen` explicitly: always true). VLRB stores it
   * first in 1,245 of 1,250 rows, so a judge that always says "first" looks excellent unless
   * both orders are judged: this field makes the skew visible.
   */
  firstIsChosen: boolean;
}

/** Where a row sits: a 1-based line of a JSONL file, or a 0-based row of a parquet file or JSON array. */
export type RowLocation = { line: number } | { row: number };

/** A row that could not become an item, and why. */
export type MalformedRow = RowLocation & { reason: string };

/** What a loader read from one file. Every row read is either an item or a malformed row. */
export interface LoadResult {
  items: EvalItem[];
  /** Rows read, malformed ones included (blank JSONL lines are not rows). */
  rowsRead: number;
  malformed: MalformedRow[];
}

/** Why one row was rejected; loaders turn it into a `MalformedRow` with the row's location. */
export interface RowRejection {
  reason: string;
}

/** A row's item, or why there is none. */
export type RowOutcome = EvalItem | RowRejection;

/** True for a rejection; works on any "value or rejection" union of object types. */
export function isRejection<T extends object>(outcome: T | RowRejection): outcome is RowRejection {
  return "reason" in outcome;
}

/**
 * `<rowIndex>:<first 16 hex of SHA-256 of the content>`, the content being the row's id, texts
 * (responses in stored order) and image hashes. The index makes repeated ids unique; the hash
 * makes a key change when the row's content does, so results stored under a key cannot
 * silently attach to a different pair after the file is edited.
 */
export function itemKey(rowIndex: number, content: readonly string[]): string {
  const hash = createHash("sha256").update(JSON.stringify(content)).digest("hex");
  return `${rowIndex}:${hash.slice(0, 16)}`;
}

/** Adds one row's outcome to a load result: every row lands in exactly one of the two lists. */
export function recordRow(result: LoadResult, location: RowLocation, outcome: RowOutcome): void {
  result.rowsRead++;
  if (isRejection(outcome)) result.malformed.push({ ...location, reason: outcome.reason });
  else result.items.push(outcome);
}
