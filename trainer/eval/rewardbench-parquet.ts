import type { LoadResult } from "./eval-item.ts";
import { loadParquetRows } from "./parquet-rows.ts";
import { REWARDBENCH_COLUMNS, rewardBenchItem } from "./rewardbench-row.ts";

/**
 * RewardBench as the Hub publishes it (`data/filtered-00000-of-00001.parquet`, the split
 * RewardBench's own `load_eval_dataset` reads): rows are numbered from 0, ids are int64.
 */
export function loadRewardBenchParquet(file: string): Promise<LoadResult> {
  return loadParquetRows(
    file,
    { describe: "a RewardBench parquet file", columns: REWARDBENCH_COLUMNS },
    async (value, rowIndex) => rewardBenchItem(value, rowIndex),
  );
}
