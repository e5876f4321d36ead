import { dirname, resolve } from "node:path";
import { z } from "zod";
import { isRejection, type LoadResult } from "./eval-item.ts";
import { createImageReader } from "./item-images.ts";
import { loadJsonlRows } from "./jsonl-rows.ts";
import { describeIssues, nonEmptyTextField } from "./row-fields.ts";
import { vlrbItem, vlrbPairFields } from "./vlrb-row.ts";

const vlrbJsonlRow = z.object({
  ...vlrbPairFields,
  image_path: z.union([nonEmptyTextField, z.array(nonEmptyTextField).min(1)]),
});

/**
 * The older VL-RewardBench release: JSONL rows with `image_path` relative to the file's
 * directory (`images/rlaif-v/RLAIF-V-14.jpg` next to `data.jsonl`).
 */
export async function loadVlrbJsonl(file: string): Promise<LoadResult> {
  const base = dirname(file);
  const images = createImageReader();
  return loadJsonlRows(file, async (value, rowIndex) => {
    const parsed = vlrbJsonlRow.safeParse(value);
    if (!parsed.success) return { reason: describeIssues(parsed.error) };
    const paths = [parsed.data.image_path].flat();
    const read = await images.read(paths.map((path) => ({ path: resolve(base, path) })));
    return isRejection(read) ? read : vlrbItem(parsed.data, rowIndex, read);
  });
}
