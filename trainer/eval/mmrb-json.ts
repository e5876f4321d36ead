import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { isRejection, itemKey, type LoadResult, type RowOutcome, recordRow } from "./eval-item.ts";
import { createImageReader, type ImageReader } from "./item-images.ts";
import { describeIssues, idField, nonEmptyTextField, textField } from "./row-fields.ts";

/**
 * The official category split (scripts/2_get_accuracy.py): `reasoning` becomes
 * `reasoning/math` for ids starting `math` and `reasoning/coding` otherwise; `safety` becomes
 * `safety/bias` for ids starting `pairs` and `safety/toxicity` otherwise (ids compared in lower
 * case, as there). Every other category is kept as given, in lower case.
 */
export function mmrbCategory(id: string, category: string): string {
  const lowerId = id.toLowerCase();
  const lowerCategory = category.toLowerCase();
  if (lowerCategory === "reasoning") {
    return lowerId.startsWith("math") ? "reasoning/math" : "reasoning/coding";
  }
  if (lowerCategory === "safety") {
    return lowerId.startsWith("pairs") ? "safety/bias" : "safety/toxicity";
  }
  return lowerCategory;
}

const mmrbRow = z.object({
  ID: idField,
  Text: textField,
  Image: nonEmptyTextField,
  Output1: textField,
  Output2: textField,
  Better: z.enum(["Output1", "Output2"]),
  Category: nonEmptyTextField,
});

/**
 * Multimodal RewardBench: one JSON array, `Image` relative to the file's directory. A file that
 * is not a JSON array throws (nothing in it can be trusted); a bad element is a malformed row
 * with its 0-based index.
 */
export async function loadMmrb(file: string): Promise<LoadResult> {
  const rows = parseArray(file, await readFile(file, "utf8"));
  const base = dirname(file);
  const images = createImageReader();
  const result: LoadResult = { items: [], rowsRead: 0, malformed: [] };
  for (const [row, value] of rows.entries()) {
    recordRow(result, { row }, await mmrbItem(value, row, base, images));
  }
  return result;
}

function parseArray(file: string, text: string): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(value)) throw new Error(`${file} is not a JSON array of items`);
  return value;
}

async function mmrbItem(
  value: unknown,
  rowIndex: number,
  base: string,
  images: ImageReader,
): Promise<RowOutcome> {
  const parsed = mmrbRow.safeParse(value);
  if (!parsed.success) return { reason: describeIssues(parsed.error) };
  const row = parsed.data;
  const read = await images.read([{ path: resolve(base, row.Image) }]);
  if (isRejection(read)) return read;
  const firstIsChosen = row.Better === "Output1";
  return {
    key: itemKey(rowIndex, [row.ID, row.Text, row.Output1, row.Output2, ...read.imageSha256s]),
    id: row.ID,
    benchmark: "mmrb",
    category: mmrbCategory(row.ID, row.Category),
    question: row.Text,
    ...read,
    chosen: firstIsChosen ? row.Output1 : row.Output2,
    rejected: firstIsChosen ? row.Output2 : row.Output1,
    firstIsChosen,
  };
}
