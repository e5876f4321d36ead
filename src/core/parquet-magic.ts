/** The 4 bytes every parquet file starts (and ends) with (apache/parquet-format). */
const PARQUET_MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"

/** How many of a file's first bytes `startsWithParquetMagic` needs. */
export const PARQUET_MAGIC_LENGTH = PARQUET_MAGIC.length;

/**
 * True when a file's first bytes are parquet's magic. The one test the benchmark loaders and the
 * simulated fine-tune both use to tell parquet from JSONL: by content, never by file name.
 */
export function startsWithParquetMagic(head: Uint8Array): boolean {
  // A shorter head fails at its first missing byte (undefined is no byte of the magic).
  return PARQUET_MAGIC.every((byte, i) => head[i] === byte);
}
