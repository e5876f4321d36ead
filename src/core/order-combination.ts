import type { CombinedVerdict, Order, OrderVerdict, Slot } from "./types.ts";

/** One order's verdict in prompt slots, before mapping back to the caller's A/B. */
export type SlotVerdict =
  | { ok: true; slot: Slot; reasoning: string }
  | { ok: false; reason: string; reasoning: string };

/**
 * Maps a verdict read in prompt slots back to the caller's frame. In order `BA` slot A holds
 * the caller's B, so the winner flips and P(caller A) = 1 − P(slot A).
 * `slotProbabilityA` is null when the completion carried no usable logprobs.
 */
export function mapOrderVerdict(
  order: Order,
  slotVerdict: SlotVerdict,
  slotProbabilityA: number | null,
): OrderVerdict {
  const { reasoning } = slotVerdict;
  if (!slotVerdict.ok) {
    return {
      order,
      outcome: "invalid",
      winner: null,
      probabilityA: null,
      reasoning,
      reason: slotVerdict.reason,
    };
  }
  const swapped = order === "BA";
  const winner = swapped ? other(slotVerdict.slot) : slotVerdict.slot;
  const probabilityA =
    slotProbabilityA === null ? null : swapped ? 1 - slotProbabilityA : slotProbabilityA;
  return { order, outcome: "ok", winner, probabilityA, reasoning };
}

/**
 * Combines the orders of one verdict (docs/api.md, pairwise):
 * - all orders read → `ok`; with two, `consistent` says whether they named the same winner,
 *   and a disagreement is a `tie` when |probabilityA − 0.5| < `tieMargin` (or exactly 0.5),
 *   else the side the probability favours;
 * - one of two read → `partial`, from that order, `consistent` null;
 * - none read → `abstain`, winner and probability null, `reason` from the orders.
 *
 * `probabilityA` is the mean over the read orders only when every read order has one; an
 * order read without logprobs makes it null rather than letting one position speak for
 * both. A disagreement without a probability is a `tie`.
 */
export function combineOrders(orders: OrderVerdict[], tieMargin: number): CombinedVerdict {
  const read = orders.filter((o) => o.outcome === "ok" && o.winner !== null);
  const [first] = read;
  if (!first) return abstain(orders);
  const probabilityA = meanProbability(read);
  const both = read.length === 2;
  const consistent = both ? read.every((o) => o.winner === first.winner) : null;
  const winner = consistent === false ? settleDisagreement(probabilityA, tieMargin) : first.winner;
  return {
    outcome: read.length === orders.length ? "ok" : "partial",
    winner,
    probabilityA,
    consistent,
    reasoning: (read.find((o) => o.order === "AB") ?? first).reasoning,
    orders,
  };
}

function abstain(orders: OrderVerdict[]): CombinedVerdict {
  const reasons = orders.map((o) => `${o.order}: ${o.reason ?? "unreadable"}`);
  return {
    outcome: "abstain",
    winner: null,
    probabilityA: null,
    consistent: null,
    reasoning: "",
    orders,
    reason: reasons.length > 0 ? `no readable verdict (${reasons.join("; ")})` : "no order judged",
  };
}

function meanProbability(read: OrderVerdict[]): number | null {
  const probabilities = read.map((o) => o.probabilityA);
  if (probabilities.some((p) => p === null)) return null;
  return (probabilities as number[]).reduce((sum, p) => sum + p, 0) / probabilities.length;
}

function settleDisagreement(probabilityA: number | null, tieMargin: number): Slot | "tie" {
  if (probabilityA === null) return "tie";
  if (probabilityA === 0.5 || Math.abs(probabilityA - 0.5) < tieMargin) return "tie";
  return probabilityA > 0.5 ? "A" : "B";
}

function other(slot: Slot): Slot {
  return slot === "A" ? "B" : "A";
}
