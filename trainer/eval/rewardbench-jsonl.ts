import { z } from "zod";
import { itemKey, type LoadResult } from "./eval-item.ts";
import { loadJsonlRows } from "./jsonl-rows.ts";
import { describeIssues, idField, nonEmptyTextField, textField } from "./row-fields.ts";

const rewardBenchRow = z.object({
  id: idField,
  prompt: textField,
  chosen: textField,
  rejected: textField,
  subset: nonEmptyTextField,
});

/**
 * RewardBench (text only): JSONL `{ id, prompt, chosen, rejected, subset }`, category = subset
 * in lower case. The format names the chosen response, so `firstIsChosen` is true by
 * construction: the order a judge sees is entirely the evaluator's choice.
 */
export function loadRewardBench(file: string): Promise<LoadResult> {
  return loadJsonlRows(file, async (value, rowIndex) => {
    const parsed = rewardBenchRow.safeParse(value);
    if (!parsed.success) return { reason: describeIssues(parsed.error) };
    const row = parsed.data;
    return {
      key: itemKey(rowIndex, [row.id, row.prompt, row.chosen, row.rejected]),
      id: row.id,
      benchmark: "rewardbench",
      category: row.subset.toLowerCase(),
      question: row.prompt,
      images: [],
      imageSha256s: [],
      chosen: row.chosen,
      rejected: row.rejected,
      firstIsChosen: true,
    };
  });
}
