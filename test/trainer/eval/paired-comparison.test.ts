import t from "tap";
import { percentileInterval } from "../../../trainer/eval/confidence-intervals.ts";
import type { ItemScore } from "../../../trainer/eval/item-score.ts";
import { comparePaired } from "../../../trainer/eval/paired-comparison.ts";
import { bootstrapStratumMeans } from "../../../trainer/eval/stratified-bootstrap.ts";

const item = (key: string, category: string, accuracy: number | null): ItemScore => ({
  key,
  category,
  orders: { AB: accuracy, BA: accuracy },
  accuracy,
  invalidOrders: 0,
  consistent: true,
});

t.test("identical judges: no difference, p = 1", async (t) => {
  const scores = Array.from({ length: 50 }, (_, i) =>
    item(`${i}`, i % 2 ? "a" : "b", i % 3 ? 1 : 0),
  );
  const comparison = comparePaired(scores, scores);
  t.same(comparison.overall.ci, { low: 0, high: 0 });
  t.equal(comparison.overall.difference, 0);
  t.same(comparison.mcnemar, { b: 0, c: 0, p_value: 1 });
});

t.test("discordant items drive McNemar; micro, macro and category differences", async (t) => {
  // 30 "easy" items both get right, 10 only the candidate, 2 only the champion.
  const champion: ItemScore[] = [];
  const candidate: ItemScore[] = [];
  for (let i = 0; i < 42; i++) {
    const category = i < 21 ? "general" : "hallucination";
    candidate.push(item(`${i}`, category, i < 40 ? 1 : 0));
    champion.push(item(`${i}`, category, i < 30 || i >= 40 ? 1 : 0));
  }
  const comparison = comparePaired(candidate, champion, { seed: 3 });
  t.equal(comparison.mcnemar.b, 10);
  t.equal(comparison.mcnemar.c, 2);
  t.ok(Math.abs(comparison.mcnemar.p_value - 0.03857421875) < 1e-12);
  t.equal(comparison.items, 42);
  t.ok(Math.abs(comparison.overall.difference - 8 / 42) < 1e-12);
  t.same(Object.keys(comparison.categories), ["general", "hallucination"]);
  t.equal(comparison.categories.general!.difference, 0);
  t.ok(Math.abs(comparison.categories.hallucination!.difference - 8 / 21) < 1e-12);
  t.ok(Math.abs(comparison.macro.difference - 4 / 21) < 1e-12);
  t.ok(comparison.overall.ci.low > 0, "clearly better");
  t.same(comparePaired(candidate, champion, { seed: 3 }), comparison, "seeded");
});

t.test("only keys both judges scored are compared", async (t) => {
  const candidate = [item("a", "x", 1), item("b", "x", 1), item("c", "x", null)];
  const champion = [item("a", "x", 0), item("c", "x", 1), item("d", "x", 1)];
  const comparison = comparePaired(candidate, champion);
  t.equal(comparison.items, 1);
  t.equal(comparison.unpaired, 3, "b (no champion), c (excluded by the candidate), d");
  t.throws(() => comparePaired([item("a", "x", 1), item("a", "x", 0)], champion), /twice/);
  t.throws(() => comparePaired([item("z", "x", 1)], champion), /no item was scored by both/);
});

t.test("exact figures where every resample is the same: micro weights, macro means", async (t) => {
  // Category A: one item only the candidate gets right (difference 1 in every resample);
  // category b: three items both judges score alike (difference 0). So every resample has the
  // stratum means [1, 0]: micro (1·1 + 3·0)/4, macro (1 + 0)/2, whatever the seed.
  const candidate = [item("1", "A", 1), item("2", "b", 1), item("3", "b", 1), item("4", "b", 0)];
  const champion = [item("1", "a", 0), item("2", "b", 1), item("3", "b", 1), item("4", "b", 0)];
  const comparison = comparePaired(candidate, champion, { resamples: 20, seed: 5 });
  t.same(comparison, {
    items: 4,
    unpaired: 0,
    overall: {
      candidate: 3 / 4,
      champion: 2 / 4,
      difference: 1 / 4,
      ci: { low: 0.25, high: 0.25 },
    },
    macro: {
      candidate: (1 + 2 / 3) / 2,
      champion: (0 + 2 / 3) / 2,
      difference: (1 + 2 / 3) / 2 - (0 + 2 / 3) / 2,
      ci: { low: 0.5, high: 0.5 },
    },
    categories: {
      a: { n: 1, candidate: 1, champion: 0, difference: 1, ci: { low: 1, high: 1 } },
      b: { n: 3, candidate: 2 / 3, champion: 2 / 3, difference: 0, ci: { low: 0, high: 0 } },
    },
    mcnemar: { b: 1, c: 0, p_value: 1 },
  });
});

t.test("the interval is the percentile interval of the seeded stratified resamples", async (t) => {
  // One category of differences 1, 0, 0, −1, 0: the overall interval is that of the stratum's
  // resampled means, drawn with the given seed and number of resamples.
  const candidate = [1, 0, 1, 0, 1].map((accuracy, i) => item(`${i}`, "x", accuracy));
  const champion = [0, 0, 1, 1, 1].map((accuracy, i) => item(`${i}`, "x", accuracy));
  const options = { resamples: 40, seed: 11 };
  const means = bootstrapStratumMeans([[1, 0, 0, -1, 0]], options).map((row) => row[0]!);
  const expected = percentileInterval(means);
  const comparison = comparePaired(candidate, champion, options);
  t.same(comparison.overall.ci, expected);
  t.same(comparison.macro.ci, expected);
  t.same(comparison.categories.x!.ci, expected);
  t.not(expected.low, expected.high, "a real spread");
  t.notSame(comparePaired(candidate, champion, { resamples: 40, seed: 12 }).overall.ci, expected);
  t.same(
    comparePaired(candidate, champion, { seed: 11 }).overall.ci,
    percentileInterval(
      bootstrapStratumMeans([[1, 0, 0, -1, 0]], { seed: 11 }).map((row) => row[0]!),
    ),
    "2000 resamples by default",
  );
  t.same(comparison.mcnemar, { b: 1, c: 1, p_value: 1 });
});

t.test("unpaired keys and duplicate keys, by judge", async (t) => {
  const candidate = [item("a", "x", 1), item("b", "x", 0), item("c", "x", 1)];
  const champion = [item("b", "x", 1), item("c", "x", 1), item("d", "x", null), item("e", "x", 0)];
  const comparison = comparePaired(candidate, champion);
  t.equal(comparison.items, 2, "b and c");
  t.equal(comparison.unpaired, 2, "a (no champion score), e (no candidate score); d is excluded");
  t.same(comparison.mcnemar, { b: 0, c: 1, p_value: 1 });
  t.throws(() => comparePaired([item("k", "x", null), item("k", "x", 1)], champion), {
    name: "RangeError",
    message: "the candidate scores item k twice",
  });
  t.throws(() => comparePaired(candidate, [item("a", "x", 1), item("a", "x", null)]), {
    name: "RangeError",
    message: "the champion scores item a twice",
  });
  t.throws(() => comparePaired([item("a", "x", null)], [item("a", "x", 1)]), {
    name: "RangeError",
    message: "no item was scored by both judges",
  });
});
