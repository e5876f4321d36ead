import type { LoadResult } from "./eval-item.ts";
import { loadJsonlRows } from "./jsonl-rows.ts";
import { rewardBenchItem } from "./rewardbench-row.ts";

/** RewardBench (text only) as JSONL `{ id, prompt, chosen, rejected, subset }`, one row a line. */
export function loadRewardBench(file: string): Promise<LoadResult> {
  return loadJsonlRows(file, async (value, rowIndex) => rewardBenchItem(value, rowIndex));
}
