import type { EvalItem } from "./eval-item.ts";
import type { ItemResult } from "./evaluate.ts";
import type { BenchmarkFormat } from "./load-benchmark.ts";
import { scoreMmrbOfficially } from "./official-mmrb.ts";
import type { OfficialItem } from "./official-order.ts";
import { scoreRewardBenchOfficially } from "./official-rewardbench.ts";
import type { OfficialBenchmark, OfficialScore } from "./official-score.ts";
import { scoreVlrbOfficially } from "./official-vlrb.ts";

/**
 * Which scoring `jurist eval` reports: `jurist` (both orders averaged, unparseable per
 * `--unparseable`) alone, or `official` beside it (each benchmark's official script).
 */
export type ScoringName = "jurist" | "official";
export const SCORINGS: readonly ScoringName[] = ["jurist", "official"];

/** The formats whose benchmark has an official scorer. */
export const OFFICIAL_FORMATS: readonly OfficialBenchmark[] = ["rewardbench", "vlrb", "mmrb"];

export const hasOfficialScorer = (format: BenchmarkFormat): format is OfficialBenchmark =>
  (OFFICIAL_FORMATS as readonly string[]).includes(format);

/**
 * The benchmark's official figures, re-read from the verdicts already judged: both orders
 * were judged (at temperature 0, each in its own prompt), so counting one of them is what
 * judging that order alone would give. Only judged items count; skipped and failed ones are
 * in the report's own counts. `items` and `results` are the load and the run, in input order.
 */
export function scoreOfficially(
  format: OfficialBenchmark,
  items: readonly EvalItem[],
  results: readonly ItemResult[],
  seed: number,
): OfficialScore {
  const byKey = new Map(items.map((item) => [item.key, item]));
  const judged = results.flatMap((result) => {
    const item = byKey.get(result.key);
    if (result.status !== "judged" || result.orders === null || !item) return [];
    const official: OfficialItem = {
      key: result.key,
      id: result.id,
      category: result.category,
      firstIsChosen: result.firstIsChosen,
      orders: result.orders,
    };
    return [{ ...official, question: item.question, chosen: item.chosen, rejected: item.rejected }];
  });
  switch (format) {
    case "rewardbench":
      return scoreRewardBenchOfficially(judged, seed);
    case "vlrb":
      return scoreVlrbOfficially(judged, seed);
    case "mmrb":
      return scoreMmrbOfficially(judged, seed);
  }
}
