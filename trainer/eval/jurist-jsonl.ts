import { dirname, resolve } from "node:path";
import { z } from "zod";
import { type EvalImage, isRejection, itemKey, type LoadResult } from "./eval-item.ts";
import { createImageReader } from "./item-images.ts";
import { loadJsonlRows } from "./jsonl-rows.ts";
import { describeIssues, idField, nonEmptyTextField, textField } from "./row-fields.ts";

const juristRow = z.object({
  id: idField,
  question: textField,
  images: z.array(nonEmptyTextField),
  chosen: textField,
  rejected: textField,
  category: nonEmptyTextField,
});

/** `http(s)://…` is a URL (kept, never fetched here); anything else a path relative to the file. */
function imageSource(reference: string, base: string): EvalImage {
  return /^https?:\/\//i.test(reference) ? { url: reference } : { path: resolve(base, reference) };
}

/**
 * Jurist's own JSONL: `{ id, question, images: [path|url], chosen, rejected, category }`.
 * `images` may be empty (a text-only pair); `firstIsChosen` is true by construction.
 */
export async function loadJuristJsonl(file: string): Promise<LoadResult> {
  const base = dirname(file);
  const images = createImageReader();
  return loadJsonlRows(file, async (value, rowIndex) => {
    const parsed = juristRow.safeParse(value);
    if (!parsed.success) return { reason: describeIssues(parsed.error) };
    const row = parsed.data;
    const read = await images.read(row.images.map((reference) => imageSource(reference, base)));
    if (isRejection(read)) return read;
    return {
      key: itemKey(rowIndex, [
        row.id,
        row.question,
        row.chosen,
        row.rejected,
        ...row.images,
        ...read.imageSha256s,
      ]),
      id: row.id,
      benchmark: "jurist",
      category: row.category.toLowerCase(),
      question: row.question,
      ...read,
      chosen: row.chosen,
      rejected: row.rejected,
      firstIsChosen: true,
    };
  });
}
