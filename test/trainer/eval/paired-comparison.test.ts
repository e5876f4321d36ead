import t from "tap";
import type { ItemScore } from "../../../trainer/eval/item-score.ts";
import { comparePaired } from "../../../trainer/eval/paired-comparison.ts";

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
