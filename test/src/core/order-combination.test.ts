import fc from "fast-check";
import t from "tap";
import { combineOrders, mapOrderVerdict } from "../../../src/core/order-combination.ts";
import type { Order, OrderVerdict, Slot } from "../../../src/core/types.ts";

const ok = (order: Order, winner: Slot, probabilityA: number | null): OrderVerdict => ({
  order,
  outcome: "ok",
  winner,
  probabilityA,
  reasoning: `${order} reasoning`,
});
const invalid = (order: Order, reason = "no verdict marker"): OrderVerdict => ({
  order,
  outcome: "invalid",
  winner: null,
  probabilityA: null,
  reasoning: "",
  reason,
});

t.test("mapOrderVerdict keeps AB and flips BA back to the caller's frame", async (t) => {
  const slotA = { ok: true as const, slot: "A" as const, reasoning: "r" };
  t.same(mapOrderVerdict("AB", slotA, 0.8), { ...ok("AB", "A", 0.8), reasoning: "r" });
  const ba = mapOrderVerdict("BA", slotA, 0.8);
  t.equal(ba.winner, "B", "slot A held the caller's B");
  t.ok(Math.abs((ba.probabilityA ?? 0) - 0.2) < 1e-12);
  t.equal(mapOrderVerdict("BA", { ok: true, slot: "B", reasoning: "" }, null).winner, "A");
  t.equal(mapOrderVerdict("BA", { ok: true, slot: "B", reasoning: "" }, null).probabilityA, null);
  t.same(mapOrderVerdict("BA", { ok: false, reason: "why", reasoning: "text" }, null), {
    order: "BA",
    outcome: "invalid",
    winner: null,
    probabilityA: null,
    reasoning: "text",
    reason: "why",
  });
});

t.test("both orders agree: ok, consistent, mean probability, AB reasoning", async (t) => {
  const orders = [ok("AB", "A", 0.8), ok("BA", "A", 0.7)];
  const verdict = combineOrders(orders, 0.1);
  t.match(verdict, { outcome: "ok", winner: "A", consistent: true, reasoning: "AB reasoning" });
  t.ok(Math.abs((verdict.probabilityA ?? 0) - 0.75) < 1e-12);
  t.same(verdict.orders, orders);
  t.equal(verdict.reason, undefined);
});

t.test("orders disagree: tie within the margin, else the probability decides", async (t) => {
  const tie = combineOrders([ok("AB", "A", 0.6), ok("BA", "B", 0.45)], 0.1);
  t.match(tie, { outcome: "ok", winner: "tie", consistent: false });
  t.ok(Math.abs((tie.probabilityA ?? 0) - 0.525) < 1e-12);

  t.equal(combineOrders([ok("AB", "A", 0.9), ok("BA", "B", 0.4)], 0.1).winner, "A");
  t.equal(combineOrders([ok("AB", "A", 0.55), ok("BA", "B", 0.05)], 0.1).winner, "B");
  t.equal(
    combineOrders([ok("AB", "A", 0.75), ok("BA", "B", 0.25)], 0).winner,
    "tie",
    "exactly 0.5",
  );
});

t.test("a read order without a probability makes the combined one null", async (t) => {
  const agreed = combineOrders([ok("AB", "B", 0.2), ok("BA", "B", null)], 0.1);
  t.match(agreed, { outcome: "ok", winner: "B", consistent: true, probabilityA: null });
  const disagreed = combineOrders([ok("AB", "A", 0.9), ok("BA", "B", null)], 0.1);
  t.match(disagreed, { outcome: "ok", winner: "tie", consistent: false, probabilityA: null });
  const partial = combineOrders([invalid("AB"), ok("BA", "A", null)], 0.1);
  t.match(partial, { outcome: "partial", winner: "A", probabilityA: null });
});

t.test("one of two orders read: partial from that order", async (t) => {
  const verdict = combineOrders([invalid("AB"), ok("BA", "B", 0.3)], 0.1);
  t.match(verdict, {
    outcome: "partial",
    winner: "B",
    probabilityA: 0.3,
    consistent: null,
    reasoning: "BA reasoning",
  });
});

t.test("no order read: abstain with every order's reason", async (t) => {
  const verdict = combineOrders(
    [invalid("AB"), invalid("BA", "both verdicts on the final line")],
    0.1,
  );
  t.match(verdict, { outcome: "abstain", winner: null, probabilityA: null, consistent: null });
  t.match(verdict.reason, /AB: no verdict marker/);
  t.match(verdict.reason, /BA: both verdicts on the final line/);
  t.match(combineOrders([], 0.1), { outcome: "abstain", reason: "no order judged" });
});

t.test("swap off: one order is ok or abstain, never partial, consistent null", async (t) => {
  t.match(combineOrders([ok("AB", "A", 0.9)], 0.1), {
    outcome: "ok",
    winner: "A",
    probabilityA: 0.9,
    consistent: null,
  });
  t.match(combineOrders([invalid("AB")], 0.1), { outcome: "abstain", consistent: null });
});

const flip = (slot: Slot | null): Slot | null => (slot === null ? null : slot === "A" ? "B" : "A");

/** The same judgements seen by a caller who swapped A and B. */
function mirror(verdict: OrderVerdict): OrderVerdict {
  return {
    ...verdict,
    order: verdict.order === "AB" ? "BA" : "AB",
    winner: flip(verdict.winner),
    probabilityA: verdict.probabilityA === null ? null : 1 - verdict.probabilityA,
  };
}

t.test("property: swapping the caller's responses maps p → 1 − p and A ↔ B", async () => {
  // Dyadic probabilities keep 1 − p and the mean exact, so ties never hinge on rounding.
  const dyadic = fc.integer({ min: 0, max: 64 }).map((k) => k / 64);
  const orderVerdict = (order: Order) =>
    fc.oneof(
      fc
        .record({ winner: fc.constantFrom<Slot>("A", "B"), p: fc.option(dyadic) })
        .map(({ winner, p }) => ok(order, winner, p)),
      fc.constant(invalid(order)),
    );
  fc.assert(
    fc.property(
      orderVerdict("AB"),
      orderVerdict("BA"),
      fc.boolean(),
      dyadic,
      (ab, ba, swap, margin) => {
        const orders = swap ? [ab, ba] : [ab];
        const original = combineOrders(orders, margin);
        const mirrored = combineOrders(orders.map(mirror).reverse(), margin);
        const expectedWinner = original.winner === "tie" ? "tie" : flip(original.winner);
        const expectedP = original.probabilityA === null ? null : 1 - original.probabilityA;
        return (
          mirrored.outcome === original.outcome &&
          mirrored.consistent === original.consistent &&
          mirrored.winner === expectedWinner &&
          mirrored.probabilityA === expectedP
        );
      },
    ),
  );
});

t.test("the AB order's reasoning is kept even when BA comes first", async (t) => {
  // Kills `read[0]` in place of the AB lookup: with AB first the two agree.
  const agreed = combineOrders([ok("BA", "A", 0.75), ok("AB", "A", 0.5)], 0.1);
  t.match(agreed, { outcome: "ok", winner: "A", consistent: true, reasoning: "AB reasoning" });
  const disagreed = combineOrders([ok("BA", "B", 0.25), ok("AB", "A", 0.5)], 0.1);
  t.match(disagreed, { winner: "B", consistent: false, reasoning: "AB reasoning" });
  const onlyBA = combineOrders([ok("BA", "B", 0.25), invalid("AB")], 0.1);
  t.match(onlyBA, { outcome: "partial", winner: "B", reasoning: "BA reasoning" });
});

t.test("a disagreement exactly at the tie margin is not a tie (strictly below is)", async (t) => {
  // Dyadic probabilities keep |p − 0.5| exactly equal to the margin; kills `<` → `<=`.
  const atMarginA = combineOrders([ok("AB", "A", 1), ok("BA", "B", 0.5)], 0.25);
  t.match(atMarginA, { winner: "A", consistent: false, probabilityA: 0.75 });
  const atMarginB = combineOrders([ok("AB", "A", 0.5), ok("BA", "B", 0)], 0.25);
  t.match(atMarginB, { winner: "B", consistent: false, probabilityA: 0.25 });
  const justInside = combineOrders([ok("AB", "A", 0.75), ok("BA", "B", 0.5)], 0.25);
  t.match(justInside, { winner: "tie", probabilityA: 0.625 });
  const justInsideB = combineOrders([ok("AB", "A", 0.5), ok("BA", "B", 0.25)], 0.25);
  t.match(justInsideB, { winner: "tie", probabilityA: 0.375 });
});

t.test("agreeing orders keep their winner whatever the probability and margin", async (t) => {
  // The margin settles disagreements only: a shared winner is never turned into a tie.
  const verdict = combineOrders([ok("AB", "B", 0.5), ok("BA", "B", 0.5)], 0.5);
  t.match(verdict, { outcome: "ok", winner: "B", consistent: true, probabilityA: 0.5 });
});

t.test("an order counts as read only when it is ok and names a winner", async (t) => {
  // Neither field alone is trusted: an ok order without a winner, or an invalid one with a
  // winner, is not a reading.
  const noWinner: OrderVerdict = { ...ok("AB", "A", 0.9), winner: null };
  t.match(combineOrders([noWinner, ok("BA", "B", 0.25)], 0.1), {
    outcome: "partial",
    winner: "B",
    probabilityA: 0.25,
    consistent: null,
    reasoning: "BA reasoning",
  });
  const invalidWithWinner: OrderVerdict = { ...invalid("AB"), winner: "A", probabilityA: 0.9 };
  t.match(combineOrders([invalidWithWinner, ok("BA", "B", 0.25)], 0.1), {
    outcome: "partial",
    winner: "B",
    probabilityA: 0.25,
  });
  t.match(combineOrders([noWinner], 0.1), { outcome: "abstain", winner: null });
});

t.test("an abstention has empty reasoning and a reason per order, exactly", async (t) => {
  const verdict = combineOrders([invalid("AB"), { ...invalid("BA"), reason: undefined }], 0.1);
  t.equal(verdict.reasoning, "");
  t.equal(verdict.reason, "no readable verdict (AB: no verdict marker; BA: unreadable)");
  const none = combineOrders([], 0.1);
  t.equal(none.reason, "no order judged");
  t.equal(none.reasoning, "");
  t.equal(combineOrders([ok("AB", "A", 0.9)], 0.1).reason, undefined);
});
