import type { Order, Slot } from "../../src/core/types.ts";
import { unitPoint } from "../core/seeded-hash.ts";
import type { OrderRecords } from "./slot-verdicts.ts";

/**
 * Which one of the two judged orders an official scorer counts. The official scripts judge
 * each item once:
 * - `stored`: the file's order, response 1 in slot A (Multimodal RewardBench,
 *   scripts/1_run_model_as_judge_gpt4o.py formats `Output1` as assistant A, always);
 * - `coin`: the file's order or its swap, by a coin per item (RewardBench
 *   scripts/run_generative.py `np.random.rand() > 0.5`; VL-RewardBench inference_hf.py
 *   `random.choice([0, 1])`). Their coins are unseeded, so no run of theirs can be replayed;
 *   here the coin is a hash of (seed, item key), so a rerun with the same seed counts the same
 *   orders and another seed draws others.
 */
export type OfficialOrderRule = "stored" | "coin";

/** What the judge said in the order counted, in the underlying responses' terms. */
export type OneOrderOutcome = "chosen" | "rejected" | "tie" | "unparseable";

/** An item as the official scorers see it: its key, category, stored order and both orders. */
export interface OfficialItem {
  key: string;
  id: string;
  category: string;
  firstIsChosen: boolean;
  orders: OrderRecords;
}

/** In `scoreItem`'s frame `AB` holds the chosen response in slot A. */
const CHOSEN_SLOT: Record<Order, Slot> = { AB: "A", BA: "B" };

/** The order (in `scoreItem`'s frame) the rule counts for this item. */
export function officialOrder(
  rule: OfficialOrderRule,
  item: Pick<OfficialItem, "key" | "firstIsChosen">,
  seed: number,
): Order {
  const stored: Order = item.firstIsChosen ? "AB" : "BA";
  if (rule === "stored") return stored;
  const swapped = unitPoint("official-order", seed, item.key) >= 0.5;
  if (!swapped) return stored;
  return stored === "AB" ? "BA" : "AB";
}

/** The outcome of the one order the rule counts. */
export function oneOrderOutcome(
  rule: OfficialOrderRule,
  item: OfficialItem,
  seed: number,
): OneOrderOutcome {
  const order = officialOrder(rule, item, seed);
  const verdict = item.orders[order].verdict;
  if (verdict === null) return "unparseable";
  if (verdict === "tie") return "tie";
  return verdict === CHOSEN_SLOT[order] ? "chosen" : "rejected";
}
