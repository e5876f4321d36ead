import { unitPoint } from "../core/seeded-hash.ts";
import { type OfficialItem, oneOrderOutcome } from "./official-order.ts";
import { groupScores, type OfficialScore } from "./official-score.ts";

// Followed: facebookresearch/multimodal_rewardbench at commit
// b4b92cdac0df81b2a134bcb1b91411d67b55f80f: scripts/1_run_model_as_judge_gpt4o.py (one
// order: Output1 is assistant A) and scripts/2_get_accuracy.py (extract_judgment: no [[A]]
// or [[B]] → a coin; accuracy for 'all' and per category, no macro).

/** The group 2_get_accuracy.py reports over every item. */
export const MMRB_ALL = "all";

/**
 * Multimodal RewardBench's official figures from the stored order of every judged item. A
 * verdict that names no response (unparseable, or a tie: the official prompt offers none) is
 * a coin flip, seeded here by (seed, item key) where the script uses `random.seed(123)` in
 * file order. The categories are the loader's (the script's split of safety and reasoning);
 * the script prints no mean over them, so none is computed.
 */
export function scoreMmrbOfficially(items: readonly OfficialItem[], seed: number): OfficialScore {
  const unresolved = { unparseable: 0, tie: 0 };
  const scored = items.map((item) => {
    const outcome = oneOrderOutcome("stored", item, seed);
    let score: number;
    if (outcome === "chosen" || outcome === "rejected") score = outcome === "chosen" ? 1 : 0;
    else {
      unresolved[outcome]++;
      score = unitPoint("official-mmrb-coin", seed, item.key) < 0.5 ? 1 : 0;
    }
    return { group: item.category, score };
  });
  const all = groupScores(scored.map(({ score }) => ({ group: MMRB_ALL, score })))[MMRB_ALL];
  return {
    benchmark: "mmrb",
    follows:
      "facebookresearch/multimodal_rewardbench@b4b92cdac0df scripts/1_run_model_as_judge_gpt4o.py, scripts/2_get_accuracy.py",
    order: "one order per item: the stored order (Output1 as assistant A), as the official script",
    unparseable: `a coin flip seeded with (seed ${seed}, item key); a tie too (the official prompt offers none)`,
    counted: items.length,
    dropped: {},
    unresolved,
    figures: { all: all?.accuracy ?? null },
    groups: groupScores(scored),
  };
}
