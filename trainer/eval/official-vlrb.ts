import { type OfficialItem, oneOrderOutcome } from "./official-order.ts";
import { groupScores, type OfficialScore } from "./official-score.ts";

// Followed: vl-rewardbench/VL_RewardBench at commit 9b10abdc91678bc5fb2bd7eea4d73d3af484db9f:
// inference_hf.py (one order per item, `random.choice([0, 1])`; `<image>` placeholders stripped
// as vlrb-row.ts explains) and
// cal.py (the scorer, run with k = 1 judgement per item).

/** cal.py's task_list: overall and macro are over these three groups only. */
export const VLRB_TASKS = ["reasoning", "hallucination", "general"] as const;

/** What VLRB's official scorer needs beyond an item's verdicts: its content, to merge repeats. */
export interface VlrbOfficialItem extends OfficialItem {
  question: string;
  chosen: string;
  rejected: string;
}

/**
 * cal.py keys an item by `id + query + "\t".join(sorted(response))` and, with k = 1, counts
 * only the first judgement of a key: a row repeated with the same content counts once. (It
 * takes the first after a `random.seed(1234)` shuffle; here the first in file order.)
 */
function contentKey(item: VlrbOfficialItem): string {
  return JSON.stringify([item.id, item.question, [item.chosen, item.rejected].sort()]);
}

/**
 * VL-RewardBench's official figures from one coin-chosen order per judged item. cal.py's
 * regex only reads "Answer N is better": anything else, a tie included, is `doesntMatch` and
 * enters neither numerator nor denominator (group_total counts agree + reject). Overall is
 * correct / counted over the three groups; macro is their mean, null when a group is empty
 * (cal.py would divide by zero).
 */
export function scoreVlrbOfficially(
  items: readonly VlrbOfficialItem[],
  seed: number,
): OfficialScore {
  const seen = new Set<string>();
  const dropped = { repeated: 0, unparseable: 0, tie: 0 };
  const unresolved = { unparseable: 0, tie: 0 };
  const scored: { group: string; score: number }[] = [];
  for (const item of items) {
    const key = contentKey(item);
    if (seen.has(key)) {
      dropped.repeated++;
      continue;
    }
    seen.add(key);
    const outcome = oneOrderOutcome("coin", item, seed);
    if (outcome === "unparseable" || outcome === "tie") {
      unresolved[outcome]++;
      dropped[outcome]++;
    } else scored.push({ group: item.category, score: outcome === "chosen" ? 1 : 0 });
  }
  const groups = groupScores(scored);
  const tasks = VLRB_TASKS.map((task) => groups[task]);
  const counted = tasks.reduce((n, group) => n + (group?.n ?? 0), 0);
  const correct = tasks.reduce((sum, group) => sum + (group?.correct ?? 0), 0);
  const accuracies = tasks.map((group) => group?.accuracy ?? null);
  return {
    benchmark: "vlrb",
    follows: "vl-rewardbench/VL_RewardBench@9b10abdc9167 inference_hf.py, cal.py (k = 1)",
    order: `one order per item: the stored order or its swap by a coin seeded with (seed ${seed}, item key)`,
    unparseable: "dropped (a tie too: the official regex reads only 'Answer N is better')",
    counted,
    dropped,
    unresolved,
    figures: {
      overall: counted === 0 ? null : correct / counted,
      macro: accuracies.some((a) => a === null)
        ? null
        : (accuracies as number[]).reduce((a, b) => a + b, 0) / accuracies.length,
    },
    groups,
  };
}
