import fc from "fast-check";
import t from "tap";
import {
  logitScore,
  PROBABILITY_FLOOR,
  rankByScore,
  referenceScores,
  roundRobinPairs,
} from "../../../src/core/reward-scores.ts";
import type { CombinedVerdict } from "../../../src/core/types.ts";

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
