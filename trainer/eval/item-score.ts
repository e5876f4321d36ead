import type { Order, Slot } from "../../src/core/types.ts";
import { unitPoint } from "../core/seeded-hash.ts";

/**
 * One order's verdict as a prompt slot: the slot the judge preferred in the prompt it saw, a
 * tie, or null when its output could not be parsed. Slots, not the caller-frame winner of
 * `core/types.ts`'s `OrderVerdict` (which is already mapped back through the swap).
 */
export type OrderVerdict = Slot | "tie" | null;

/**
 * An item's verdicts in both orders: in `AB` the chosen response sits in slot A, in `BA` in
 * slot B. So `AB: "A"` and `BA: "B"` are both right.
 */
export type OrderVerdicts = Record<Order, OrderVerdict>;

/**
 * What an unparseable order scores: `wrong` 0 (Jurist's default: a judge that cannot answer has
 * not answered right); `exclude` not counted (VLRB's official scorer drops such items);
 * `random` a seeded coin flip, 1 or 0 (MMRB's official protocol).
 */
export type UnparseablePolicy = "wrong" | "exclude" | "random";

/** One benchmark item after judging. */
export interface JudgedItem {
  /** `EvalItem.key`. */
  key: string;
  category: string;
  verdicts: OrderVerdicts;
}

export interface ScoreOptions {
  /** Default `wrong`. */
  unparseable?: UnparseablePolicy;
  /** Seed of the `random` policy's coin; the flip depends only on (seed, key, order). Default 0. */
  seed?: string | number;
}

/** How one item scored. */
export interface ItemScore {
  key: string;
  category: string;
  /** Each order's score: 1 right, 0.5 tie, 0 wrong; null when not counted (`exclude`). */
  orders: Record<Order, number | null>;
  /** Mean of the counted orders' scores; null when no order counts (so the item is dropped). */
  accuracy: number | null;
  /** Orders whose output could not be parsed (0, 1 or 2), whatever the policy. */
  invalidOrders: number;
  /**
   * Whether both orders reached the same outcome for the underlying responses (the same one
   * preferred, or a tie both times); null unless both orders were parsed.
   */
  consistent: boolean | null;
}

const ORDERS: readonly Order[] = ["AB", "BA"];
const CHOSEN_SLOT: Record<Order, Slot> = { AB: "A", BA: "B" };

type Outcome = "chosen" | "rejected" | "tie";

function outcome(order: Order, verdict: Slot | "tie"): Outcome {
  if (verdict === "tie") return "tie";
  return verdict === CHOSEN_SLOT[order] ? "chosen" : "rejected";
}

const OUTCOME_SCORE: Record<Outcome, number> = { chosen: 1, tie: 0.5, rejected: 0 };

function orderScore(item: JudgedItem, order: Order, options: ScoreOptions): number | null {
  const verdict = item.verdicts[order];
  if (verdict !== null) return OUTCOME_SCORE[outcome(order, verdict)];
  switch (options.unparseable ?? "wrong") {
    case "wrong":
      return 0;
    case "exclude":
      return null;
    case "random":
      return unitPoint("unparseable", options.seed ?? 0, item.key, order) < 0.5 ? 1 : 0;
  }
}

/**
 * Scores an item from its two orders. The item's accuracy is the mean of its counted orders,
 * each 1 (names the chosen response), 0.5 (tie, as RewardBench counts it) or 0, so it takes
 * the values 0, 0.25, 0.5, 0.75 and 1. Averaging both orders is what cancels position bias:
 * a judge that always answers "A" scores exactly 0.5 on every item, however skewed the file's
 * stored order. Under `exclude` an item with one unparseable order counts its other order
 * alone, and an item with none is dropped from numerator and denominator.
 */
export function scoreItem(item: JudgedItem, options: ScoreOptions = {}): ItemScore {
  const [ab, ba] = ORDERS.map((order) => orderScore(item, order, options)) as [
    number | null,
    number | null,
  ];
  const counted = [ab, ba].filter((score) => score !== null);
  const { AB, BA } = item.verdicts;
  return {
    key: item.key,
    category: item.category,
    orders: { AB: ab, BA: ba },
    accuracy: counted.length === 0 ? null : counted.reduce((a, b) => a + b, 0) / counted.length,
    invalidOrders: (AB === null ? 1 : 0) + (BA === null ? 1 : 0),
    consistent: AB === null || BA === null ? null : outcome("AB", AB) === outcome("BA", BA),
  };
}
