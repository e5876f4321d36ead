import { dirname, resolve } from "node:path";
import {
  asyncBufferFromFile,
  type FileMetaData,
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
} from "hyparquet";
import { z } from "zod";
import {
  type EvalImage,
  isRejection,
  type LoadResult,
  type RowOutcome,
  type RowRejection,
  recordRow,
} from "./eval-item.ts";
import { createImageReader, type ImageReader } from "./item-images.ts";
import { describeIssues, textField } from "./row-fields.ts";
import { vlrbItem, vlrbPairFields } from "./vlrb-row.ts";

/** HF datasets writes an `Image` feature as the struct `{ bytes: binary, path: string }`. */
const imageStruct = z
  .object({ bytes: z.instanceof(Uint8Array).nullish(), path: textField.nullish() })
  .nullish();

const vlrbParquetRow = z.object({ ...vlrbPairFields, image: imageStruct });

const REQUIRED_COLUMNS = ["id", "query", "image", "response", "human_ranking"];

/** Rows decoded at a time: bounds memory to a batch of images plus the items kept. */
const BATCH_ROWS = 256;

/**
 * VL-RewardBench as the Hub publishes it: one parquet file with image bytes inline. Rows are
 * read in batches with `utf8: false` so binary columns stay bytes. A file that is not parquet,
 * uses a codec hyparquet lacks, or misses a required column throws: that is a wrong file, not
 * a bad row.
 */
export async function loadVlrbParquet(file: string): Promise<LoadResult> {
  const buffer = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buffer);
  assertColumns(file, metadata);
  const base = dirname(file);
  const images = createImageReader();
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
    });
    for (const value of batch) {
      const row = result.rowsRead;
      recordRow(result, { row }, await parquetRowItem(value, row, base, images));
    }
  }
  return result;
}

function assertColumns(file: string, metadata: FileMetaData): void {
  const columns = new Set(parquetSchema(metadata).children.map((child) => child.element.name));
  const missing = REQUIRED_COLUMNS.filter((column) => !columns.has(column));
  if (missing.length > 0) {
    throw new Error(
      `${file} is not a VL-RewardBench parquet file: no column ${missing.join(", ")}`,
    );
  }
}

async function parquetRowItem(
  value: unknown,
  rowIndex: number,
  base: string,
  images: ImageReader,
): Promise<RowOutcome> {
  const parsed = vlrbParquetRow.safeParse(value);
  if (!parsed.success) return { reason: describeIssues(parsed.error) };
  const source = imageSource(parsed.data.image, base);
  if (isRejection(source)) return source;
  const read = await images.read([source]);
  return isRejection(read) ? read : vlrbItem(parsed.data, rowIndex, read);
}

/** Inline bytes win; a struct with only a path points at a file relative to the parquet file. */
function imageSource(image: z.output<typeof imageStruct>, base: string): EvalImage | RowRejection {
  if (image?.bytes && image.bytes.length > 0) return { bytes: image.bytes };
  if (image?.path) return { path: resolve(base, image.path) };
  return { reason: "image: neither bytes nor a path" };
}
