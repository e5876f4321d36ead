import fc from "fast-check";
import t from "tap";
import {
  type OrderVerdict,
  type OrderVerdicts,
  scoreItem,
  type UnparseablePolicy,
} from "../../../trainer/eval/item-score.ts";

const judged = (AB: OrderVerdict, BA: OrderVerdict, key = "0:abc") => ({
  key,
  category: "general",
  verdicts: { AB, BA },
});

t.test("both orders: right, position-biased, wrong, ties", async (t) => {
  const cases: [OrderVerdict, OrderVerdict, number, boolean][] = [
    ["A", "B", 1, true], // chosen both times
    ["A", "A", 0.5, false], // always slot A: position bias, not judgement
    ["B", "B", 0.5, false],
    ["B", "A", 0, true], // rejected both times, consistently
    ["tie", "tie", 0.5, true],
    ["tie", "B", 0.75, false],
    ["A", "tie", 0.75, false],
  ];
  for (const [AB, BA, accuracy, consistent] of cases) {
    const score = scoreItem(judged(AB, BA));
    t.same(
      [score.accuracy, score.consistent, score.invalidOrders],
      [accuracy, consistent, 0],
      `${AB}/${BA}`,
    );
  }
  t.same(scoreItem(judged("A", "B")).orders, { AB: 1, BA: 1 });
  t.same(scoreItem(judged("tie", "A")).orders, { AB: 0.5, BA: 0 });
});

t.test("unparseable orders under each policy; the invalid count is always kept", async (t) => {
  const oneBad = judged(null, "B");
  t.same(
    [scoreItem(oneBad).accuracy, scoreItem(oneBad).invalidOrders, scoreItem(oneBad).consistent],
    [0.5, 1, null],
    "wrong is the default",
  );
  t.equal(scoreItem(oneBad, { unparseable: "wrong" }).accuracy, 0.5);
  t.same(scoreItem(oneBad, { unparseable: "exclude" }).orders, { AB: null, BA: 1 });
  t.equal(scoreItem(oneBad, { unparseable: "exclude" }).accuracy, 1, "the parsed order alone");
  const bothBad = judged(null, null);
  t.equal(scoreItem(bothBad, { unparseable: "wrong" }).accuracy, 0);
  t.equal(scoreItem(bothBad, { unparseable: "exclude" }).accuracy, null, "dropped entirely");
  t.equal(scoreItem(bothBad, { unparseable: "exclude" }).invalidOrders, 2);
  const random = scoreItem(bothBad, { unparseable: "random" });
  t.ok([0, 0.5, 1].includes(random.accuracy!));
  t.ok(Object.values(random.orders).every((score) => score === 0 || score === 1));
});

t.test(
  "random: a seeded fair coin per (seed, key, order), independent of call order",
  async (t) => {
    const keys = Array.from({ length: 4000 }, (_, i) => `${i}:k`);
    const guess = (key: string, seed: number) =>
      scoreItem(judged(null, "B", key), { unparseable: "random", seed }).orders.AB!;
    const first = keys.map((key) => guess(key, 1));
    t.same(
      [...keys].reverse().map((key) => guess(key, 1)),
      [...first].reverse(),
      "deterministic",
    );
    const mean = first.reduce((a, b) => a + b, 0) / keys.length;
    t.ok(Math.abs(mean - 0.5) < 0.03, `fair: ${mean}`);
    const other = keys.map((key) => guess(key, 2));
    t.ok(
      other.some((score, i) => score !== first[i]),
      "the seed matters",
    );
  },
);

const verdict = fc.constantFrom<OrderVerdict>("A", "B", "tie", null);
const flip = (v: OrderVerdict): OrderVerdict => (v === "A" ? "B" : v === "B" ? "A" : v);

t.test(
  "swap invariance: the same judgement with the slots relabelled scores the same",
  async () => {
    fc.assert(
      fc.property(
        verdict,
        verdict,
        fc.constantFrom<UnparseablePolicy>("wrong", "exclude"),
        (ab, ba, policy) => {
          const mirrored: OrderVerdicts = { AB: flip(ba), BA: flip(ab) };
          const a = scoreItem(judged(ab, ba), { unparseable: policy });
          const b = scoreItem({ ...judged(ab, ba), verdicts: mirrored }, { unparseable: policy });
          return a.accuracy === b.accuracy && a.consistent === b.consistent;
        },
      ),
    );
  },
);

t.test("an always-first judge scores exactly 0.5 per item, whatever is stored first", async () => {
  fc.assert(
    fc.property(fc.constantFrom<OrderVerdict>("A", "B"), (slot) => {
      const score = scoreItem(judged(slot, slot));
      return score.accuracy === 0.5 && score.consistent === false;
    }),
  );
});
