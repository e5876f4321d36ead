import {
  asyncBufferFromFile,
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
} from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { type LoadResult, type RowOutcome, recordRow } from "./eval-item.ts";

/** Turns one decoded parquet row (an object keyed by column) into an item or a rejection. */
export type ParquetRowParser = (value: unknown, rowIndex: number) => Promise<RowOutcome>;

/** Rows decoded at a time: bounds memory to a batch of rows (VLRB: their images) plus the items kept. */
const BATCH_ROWS = 256;

/**
 * Reads a benchmark's parquet file row by row. hyparquet alone decodes only SNAPPY and
 * uncompressed pages; the Hub writes SNAPPY (pyarrow's default), but a file re-saved by its
 * user often uses GZIP or ZSTD, so every codec hyparquet-compressors decodes is passed in
 * (GZIP, ZSTD, BROTLI, LZ4, LZ4_RAW and a WASM SNAPPY). Rows are read with `utf8: false` so
 * binary columns (image bytes) stay bytes; text fields decode them (see `textField`).
 *
 * `describe` names what the file should be (e.g. "a RewardBench parquet file"): a file missing
 * one of `columns` throws, since that is a wrong file rather than a bad row.
 */
export async function loadParquetRows(
  file: string,
  expected: { describe: string; columns: readonly string[] },
  parse: ParquetRowParser,
): Promise<LoadResult> {
  const buffer = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buffer);
  const present = new Set(parquetSchema(metadata).children.map((child) => child.element.name));
  const missing = expected.columns.filter((column) => !present.has(column));
  if (missing.length > 0) {
    throw new Error(`${file} is not ${expected.describe}: no column ${missing.join(", ")}`);
  }
  const result: LoadResult = { items: [], rowsRead: 0, malformed: [] };
  const rows = Number(metadata.num_rows);
  for (let rowStart = 0; rowStart < rows; rowStart += BATCH_ROWS) {
    const rowEnd = Math.min(rows, rowStart + BATCH_ROWS);
    const batch = await parquetReadObjects({
      file: buffer,
      metadata,
      rowStart,
      rowEnd,
      utf8: false,
      compressors,
    });
    for (const value of batch) {
      const row = result.rowsRead;
      recordRow(result, { row }, await parse(value, row));
    }
  }
  return result;
}
