import { dirname, resolve } from "node:path";
import { z } from "zod";
import { type EvalImage, isRejection, type LoadResult, type RowRejection } from "./eval-item.ts";
import { createImageReader } from "./item-images.ts";
import { loadParquetRows } from "./parquet-rows.ts";
import { describeIssues, textField } from "./row-fields.ts";
import { vlrbItem, vlrbPairFields } from "./vlrb-row.ts";

/** HF datasets writes an `Image` feature as the struct `{ bytes: binary, path: string }`. */
const imageStruct = z
  .object({ bytes: z.instanceof(Uint8Array).nullish(), path: textField.nullish() })
  .nullish();

const vlrbParquetRow = z.object({ ...vlrbPairFields, image: imageStruct });

const EXPECTED = {
  describe: "a VL-RewardBench parquet file",
  columns: ["id", "query", "image", "response", "human_ranking"],
};

/**
 * VL-RewardBench as the Hub publishes it: one parquet file with image bytes inline. A file
 * that is not parquet, uses a codec no decompressor handles (LZO), or misses a required column
 * throws: that is a wrong file, not a bad row.
 */
export async function loadVlrbParquet(file: string): Promise<LoadResult> {
  const base = dirname(file);
  const images = createImageReader();
  return loadParquetRows(file, EXPECTED, async (value, rowIndex) => {
    const parsed = vlrbParquetRow.safeParse(value);
    if (!parsed.success) return { reason: describeIssues(parsed.error) };
    const source = imageSource(parsed.data.image, base);
    if (isRejection(source)) return source;
    const read = await images.read([source]);
    return isRejection(read) ? read : vlrbItem(parsed.data, rowIndex, read);
  });
}

/** Inline bytes win; a struct with only a path points at a file relative to the parquet file. */
function imageSource(image: z.output<typeof imageStruct>, base: string): EvalImage | RowRejection {
  if (image?.bytes && image.bytes.length > 0) return { bytes: image.bytes };
  if (image?.path) return { path: resolve(base, image.path) };
  return { reason: "image: neither bytes nor a path" };
}
