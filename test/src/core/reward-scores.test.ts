import fc from "fast-check";
import t from "tap";
import { fitBradleyTerry } from "../../../src/core/bradley-terry.ts";
import {
  logitScore,
  MINIMUM_REWARD,
  PROBABILITY_FLOOR,
  probabilityOf,
  rankByScore,
  referenceScores,
  roundRobinPairs,
  roundRobinScores,
} from "../../../src/core/reward-scores.ts";
import type { CombinedVerdict, Order, OrderVerdict, Slot } from "../../../src/core/types.ts";

const verdict = (probabilityA: number | null): CombinedVerdict => ({
  outcome: "ok",
  winner: "A",
  probabilityA,
  consistent: true,
  reasoning: "",
  orders: [],
});

t.test("logit: exact inside the clamp, finite at 0 and 1, odd around 0.5", async (t) => {
  t.equal(logitScore(0.5), 0);
  t.ok(Math.abs(logitScore(0.7) - Math.log(7 / 3)) < 1e-15);
  const edge = Math.log((1 - PROBABILITY_FLOOR) / PROBABILITY_FLOOR);
  t.ok(Math.abs(logitScore(1) - edge) < 1e-9, "logit(1) is logit(1 − 1e-4)");
  t.ok(Math.abs(logitScore(0) + edge) < 1e-9, "logit(0) is logit(1e-4)");
  fc.assert(
    fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (p) => {
      return Math.abs(logitScore(p) + logitScore(1 - p)) < 1e-9;
    }),
  );
});

t.test("ranking: best first, ties by index, failures last", async (t) => {
  t.same(rankByScore([0.1, null, 2, 0.1, null, -3]), [2, 0, 3, 5, 1, 4]);
  t.same(roundRobinPairs(4), [
    [0, 1],
    [0, 2],
    [0, 3],
    [1, 2],
    [1, 3],
    [2, 3],
  ]);
  t.equal(roundRobinPairs(16).length, 120);
});

t.test("reference scores: each candidate a score or a reason, never a stand-in", async (t) => {
  const scored = referenceScores([
    { verdict: verdict(0.9) },
    { error: "OVERLOADED: every replica is busy" },
    { verdict: verdict(null) },
    { verdict: { ...verdict(null), outcome: "abstain", winner: null, reason: "no verdict" } },
  ]);
  t.same(scored.scores, [logitScore(0.9), null, null, null]);
  t.same(scored.ranking, [0, 1, 2, 3]);
  t.same(
    scored.failures.map((f) => f.reason),
    [
      "OVERLOADED: every replica is busy",
      "the verdict has no probability (the engine returned no logprobs)",
      "the judge abstained: no verdict",
    ],
  );
});

t.test(
  "the minimum reward is the logit of the floor; probabilityOf inverts the logit",
  async (t) => {
    t.equal(PROBABILITY_FLOOR, 1e-4);
    t.equal(MINIMUM_REWARD, Math.log(1e-4 / (1 - 1e-4)));
    t.equal(probabilityOf(0), 0.5);
    for (const p of [1e-3, 0.2, 0.5, 0.9]) t.ok(Math.abs(probabilityOf(logitScore(p)) - p) < 1e-12);
    t.ok(Math.abs(probabilityOf(2) - 1 / (1 + Math.exp(-2))) < 1e-15);
  },
);

const read = (order: Order, winner: Slot, probabilityA: number | null): OrderVerdict => ({
  order,
  outcome: "ok",
  winner,
  probabilityA,
  reasoning: "",
});
const unread = (order: Order): OrderVerdict => ({
  order,
  outcome: "invalid",
  winner: null,
  probabilityA: null,
  reasoning: "",
  reason: "no verdict marker",
});
const judged = (...orders: OrderVerdict[]) => ({
  verdict: {
    outcome: "ok",
    winner: "A",
    probabilityA: null,
    consistent: null,
    reasoning: "",
    orders,
  } as CombinedVerdict,
});

t.test(
  "round robin: each read order is a soft win of P(a ≻ b), or a hard one without",
  async (t) => {
    const pairs = [
      // Soft wins: 0.875 + 0.625 of 2 for candidate 0 against 1.
      { a: 0, b: 1, result: judged(read("AB", "A", 0.875), read("BA", "A", 0.625)) },
      // No probabilities: A won AB (1), B won BA (0): 1 of 2 for candidate 0 against 2.
      { a: 0, b: 2, result: judged(read("AB", "A", null), read("BA", "B", null)) },
      // A partial verdict counts once: 0 of 1 for candidate 1 against 2.
      { a: 1, b: 2, result: judged(unread("AB"), read("BA", "B", null)) },
    ];
    const scored = roundRobinScores(3, pairs);
    const expected = fitBradleyTerry(3, [
      { a: 0, b: 1, winsA: 1.5, total: 2 },
      { a: 0, b: 2, winsA: 1, total: 2 },
      { a: 1, b: 2, winsA: 0, total: 1 },
    ]);
    t.same(scored.scores, expected);
    t.ok(Math.abs((scored.scores as number[]).reduce((sum, s) => sum + s, 0)) < 1e-12, "mean 0");
    t.same(scored.ranking, rankByScore(expected));
    t.same(scored.ranking, [2, 0, 1], "2 beat 1 outright and split with 0");
    t.same(scored.failures, []);
    t.same(scored.dropped, []);
  },
);

t.test("round robin: a failed pair is dropped with its reason, the rest still fit", async (t) => {
  const abstained: CombinedVerdict = {
    outcome: "abstain",
    winner: null,
    probabilityA: null,
    consistent: null,
    reasoning: "",
    orders: [unread("AB"), unread("BA")],
    reason: "no readable verdict (AB: no verdict marker; BA: no verdict marker)",
  };
  const scored = roundRobinScores(6, [
    { a: 0, b: 1, result: judged(read("AB", "A", 0.75), read("BA", "A", 0.75)) },
    { a: 0, b: 2, result: { error: "OVERLOADED: every replica is busy" } },
    { a: 1, b: 2, result: { verdict: abstained } },
    { a: 3, b: 4, result: { error: "UPSTREAM_ERROR: replica said 500" } },
    { a: 2, b: 3, result: { error: "TIMEOUT: no replica answered" } },
  ]);
  t.same(scored.scores, fitBradleyTerry(6, [{ a: 0, b: 1, winsA: 1.5, total: 2 }]));
  t.same(scored.dropped, [
    { a: 0, b: 2, reason: "OVERLOADED: every replica is busy" },
    {
      a: 1,
      b: 2,
      reason:
        "the judge abstained: no readable verdict (AB: no verdict marker; BA: no verdict marker)",
    },
    { a: 3, b: 4, reason: "UPSTREAM_ERROR: replica said 500" },
    { a: 2, b: 3, reason: "TIMEOUT: no replica answered" },
  ]);
  t.same(scored.failures, [
    { index: 2, reason: "every comparison failed (first: OVERLOADED: every replica is busy)" },
    { index: 3, reason: "every comparison failed (first: UPSTREAM_ERROR: replica said 500)" },
    { index: 4, reason: "every comparison failed (first: UPSTREAM_ERROR: replica said 500)" },
    { index: 5, reason: "never compared" },
  ]);
  t.same(scored.ranking, [0, 1, 2, 3, 4, 5], "failed candidates last, in index order");
});

t.test("an abstention without a reason still says the judge abstained", async (t) => {
  const scored = referenceScores([
    { verdict: { ...judged().verdict, outcome: "abstain", winner: null } },
  ]);
  t.same(scored.failures, [{ index: 0, reason: "the judge abstained: no readable verdict" }]);
  t.same(scored.dropped, []);
});

t.test("round robin: an order counts only when it is ok and names a winner", async (t) => {
  // Neither field alone is trusted: an ok order without a winner, or an invalid one with a
  // winner, adds no comparison.
  const noWinner: OrderVerdict = { ...read("AB", "A", 0.9), winner: null };
  const invalidWithWinner: OrderVerdict = { ...unread("AB"), winner: "A", probabilityA: 0.9 };
  const scored = roundRobinScores(3, [
    { a: 0, b: 1, result: judged(noWinner, read("BA", "B", 0.25)) },
    { a: 1, b: 2, result: judged(invalidWithWinner, read("BA", "A", null)) },
  ]);
  t.same(
    scored.scores,
    fitBradleyTerry(3, [
      { a: 0, b: 1, winsA: 0.25, total: 1 },
      { a: 1, b: 2, winsA: 1, total: 1 },
    ]),
  );
});

t.test("ranking: equal scores keep index order, however many", async (t) => {
  const scores = Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? null : (i * 7) % 4));
  const expected = [3, 2, 1, 0].flatMap((s) =>
    scores.flatMap((score, i) => (score === s ? [i] : [])),
  );
  t.same(rankByScore(scores), [...expected, ...scores.flatMap((s, i) => (s === null ? [i] : []))]);
});
