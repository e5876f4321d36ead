import t from "tap";
import { createRandom } from "../../../src/core/seeded-random.ts";
import type { ItemScore } from "../../../trainer/eval/item-score.ts";
import { comparePaired } from "../../../trainer/eval/paired-comparison.ts";

// The bootstrap's coverage over 200 simulated benchmarks: a statistical property, seconds to
// run, so it has a file of its own that the mutation run (stryker.config.mjs) leaves out; under
// Stryker's instrumentation it takes minutes per mutant. paired-comparison.test.ts holds the
// exact checks.

const item = (key: string, category: string, accuracy: number | null): ItemScore => ({
  key,
  category,
  orders: { AB: accuracy, BA: accuracy },
  accuracy,
  invalidOrders: 0,
  consistent: true,
});

/**
 * A paired benchmark with a known true difference: three categories of fixed size whose true
 * differences are 0.02, 0.05 and 0.08, so both the micro difference (0.02·100 + 0.05·200 +
 * 0.08·100 = 20 over 400 items) and the macro difference are 0.05. The
 * candidate's outcome shares the champion's random draw 70% of the time, as two checkpoints of
 * one judge share most of their mistakes.
 */
function simulate(seed: number) {
  const random = createRandom("paired-simulation", seed);
  const candidate: ItemScore[] = [];
  const champion: ItemScore[] = [];
  const categories = [
    { name: "general", n: 100, base: 0.6, lift: 0.02 },
    { name: "hallucination", n: 200, base: 0.7, lift: 0.05 },
    { name: "reasoning", n: 100, base: 0.5, lift: 0.08 },
  ];
  for (const { name, n, base, lift } of categories) {
    for (let i = 0; i < n; i++) {
      const shared = random.next();
      const own = random.chance(0.7) ? shared : random.next();
      champion.push(item(`${name}${i}`, name, shared < base ? 1 : 0));
      candidate.push(item(`${name}${i}`, name, own < base + lift ? 1 : 0));
    }
  }
  return { candidate, champion };
}

t.test(
  "the stratified paired bootstrap covers a known difference about 95% of the time",
  async (t) => {
    const datasets = 200;
    const covers = ({ low, high }: { low: number; high: number }) => low <= 0.05 && 0.05 <= high;
    let micro = 0;
    let macro = 0;
    for (let seed = 0; seed < datasets; seed++) {
      const { candidate, champion } = simulate(seed);
      const comparison = comparePaired(candidate, champion, { seed });
      if (covers(comparison.overall.ci)) micro++;
      if (covers(comparison.macro.ci)) macro++;
    }
    for (const [name, covered] of [
      ["micro", micro],
      ["macro", macro],
    ] as const) {
      t.ok(
        covered >= 0.9 * datasets && covered <= 0.99 * datasets,
        `${name}: ${covered} of ${datasets}`,
      );
    }
  },
);
