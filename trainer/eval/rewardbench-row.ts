import { z } from "zod";
import { itemKey, type RowOutcome } from "./eval-item.ts";
import { describeIssues, idField, nonEmptyTextField, textField } from "./row-fields.ts";

/**
 * A RewardBench row, whichever file it came from: the Hub's parquet (`allenai/reward-bench`,
 * split `filtered`: prompt, chosen, chosen_model, rejected, rejected_model, subset, id int64)
 * or a JSONL export of it. The model columns are not needed and not required.
 */
const rewardBenchRow = z.object({
  id: idField,
  prompt: textField,
  chosen: textField,
  rejected: textField,
  subset: nonEmptyTextField,
});

/** The columns a RewardBench parquet file must have. */
export const REWARDBENCH_COLUMNS = ["id", "prompt", "chosen", "rejected", "subset"];

/**
 * One row's item: category = subset in lower case. The format names the chosen response, so
 * `firstIsChosen` is true by construction: the order a judge sees is the evaluator's choice.
 */
export function rewardBenchItem(value: unknown, rowIndex: number): RowOutcome {
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
}
