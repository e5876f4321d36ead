import type { OrderVerdict as CallerOrderVerdict, Order, Slot } from "../../src/core/types.ts";
import type { OrderVerdict, OrderVerdicts } from "./item-score.ts";

/** One order of an item as judged, in the frame `scoreItem` reads. */
export interface OrderRecord {
  /** The slot the judge preferred in this prompt; null when unreadable after the retry. */
  verdict: OrderVerdict;
  reasoning: string;
  /** Why the order is unreadable. */
  reason?: string;
}

/** Both orders, keyed as `scoreItem` keys them: `AB` is the prompt with the chosen response in slot A. */
export type OrderRecords = Record<Order, OrderRecord>;

const flip = (slot: Slot): Slot => (slot === "A" ? "B" : "A");

/**
 * Maps the judge's orders back to prompt slots keyed by where the chosen response sat.
 *
 * The judge's orders are in the frame of the responses it was given (the file's stored
 * order), and its `winner` is already mapped back through the swap: in its `BA` order a
 * winner "A" means slot B was named. So the slot is the winner in `AB` and its flip in `BA`.
 * Its `AB` prompt holds the chosen response in slot A exactly when the file stores the chosen
 * response first; otherwise that prompt is `scoreItem`'s `BA`.
 */
export function slotRecords(orders: readonly CallerOrderVerdict[], firstIsChosen: boolean) {
  const records: Partial<OrderRecords> = {};
  for (const order of orders) {
    const slot =
      order.winner === null ? null : order.order === "AB" ? order.winner : flip(order.winner);
    const chosenInSlotA = (order.order === "AB") === firstIsChosen;
    records[chosenInSlotA ? "AB" : "BA"] = {
      verdict: order.outcome === "ok" ? slot : null,
      reasoning: order.reasoning,
      ...(order.reason === undefined ? {} : { reason: order.reason }),
    };
  }
  if (!records.AB || !records.BA) throw new Error("the judge did not return both orders");
  return records as OrderRecords;
}

/** The verdicts `scoreItem` takes. */
export function slotVerdicts(records: OrderRecords): OrderVerdicts {
  return { AB: records.AB.verdict, BA: records.BA.verdict };
}
