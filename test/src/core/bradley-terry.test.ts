import fc from "fast-check";
import t from "tap";
import { type Comparison, fitBradleyTerry } from "../../../src/core/bradley-terry.ts";

/** Comparisons as a BT model with `strengths` would produce them in expectation: soft wins. */
function expected(strengths: readonly number[], total: number): Comparison[] {
  const comparisons: Comparison[] = [];
  for (let a = 0; a < strengths.length; a++) {
    for (let b = a + 1; b < strengths.length; b++) {
      const p = strengths[a]! / (strengths[a]! + strengths[b]!);
      comparisons.push({ a, b, winsA: p * total, total });
    }
  }
  return comparisons;
}

const ratio = (scores: (number | null)[], i: number, j: number) =>
  Math.exp(scores[i]! - scores[j]!);

t.test("transitive data: the order and the strength ratios come back", async (t) => {
  const strengths = [1, 2, 4, 8, 3];
  const exact = fitBradleyTerry(5, expected(strengths, 2), { prior: 0 });
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 5; j++) {
      t.ok(Math.abs(ratio(exact, i, j) - strengths[i]! / strengths[j]!) < 1e-6, `π${i}/π${j}`);
    }
  }
  const sum = exact.reduce((total, s) => total! + s!, 0)!;
  t.ok(Math.abs(sum) < 1e-9, "centred to mean 0 on the log scale");

  // With the default prior the estimates shrink toward each other, less so with more data.
  const shrunk = fitBradleyTerry(5, expected(strengths, 2));
  const order = (scores: (number | null)[]) =>
    [...scores.keys()].sort((i, j) => scores[j]! - scores[i]!);
  t.same(order(shrunk), [3, 2, 4, 1, 0], "the order holds with the prior");
  t.ok(ratio(shrunk, 3, 0) < 8 && ratio(shrunk, 3, 0) > 4, "shrunk, not reversed");
  const plenty = fitBradleyTerry(5, expected(strengths, 1_000));
  t.ok(Math.abs(ratio(plenty, 3, 0) / 8 - 1) < 0.01, "the prior's pull fades with data");
});

t.test("a cyclic preference (A ≻ B ≻ C ≻ A, equally) gives equal scores", async (t) => {
  const cycle: Comparison[] = [
    { a: 0, b: 1, winsA: 2, total: 2 },
    { a: 1, b: 2, winsA: 2, total: 2 },
    { a: 2, b: 0, winsA: 2, total: 2 },
  ];
  for (const scores of [fitBradleyTerry(3, cycle), fitBradleyTerry(3, cycle, { prior: 0.01 })]) {
    for (const score of scores) t.ok(Math.abs(score!) < 1e-9, `score ${score} is 0`);
  }
  const soft: Comparison[] = [
    { a: 0, b: 1, winsA: 1.6, total: 2 },
    { a: 1, b: 2, winsA: 1.6, total: 2 },
    { a: 2, b: 0, winsA: 1.6, total: 2 },
  ];
  for (const score of fitBradleyTerry(3, soft, { prior: 0 })) t.ok(Math.abs(score!) < 1e-9);
});

t.test("perfect separation converges to finite, ordered scores with the prior", async (t) => {
  const sweep: Comparison[] = [];
  for (let a = 0; a < 16; a++)
    for (let b = a + 1; b < 16; b++) sweep.push({ a, b, winsA: 2, total: 2 });
  const started = performance.now();
  const scores = fitBradleyTerry(16, sweep);
  t.ok(performance.now() - started < 1_000, "fast");
  t.ok(scores.every((s) => s !== null && Number.isFinite(s)));
  for (let i = 1; i < 16; i++) t.ok(scores[i - 1]! > scores[i]!, `${i - 1} above ${i}`);
  t.throws(() => fitBradleyTerry(16, sweep, { prior: 0 }), RangeError, "no MLE without a prior");
});

t.test("a candidate in no comparison has no score, not a made-up one", async (t) => {
  const scores = fitBradleyTerry(3, [{ a: 0, b: 1, winsA: 1.5, total: 2 }]);
  t.equal(scores[2], null);
  t.ok(scores[0]! > 0 && scores[1]! < 0);
  t.ok(Math.abs(scores[0]! + scores[1]!) < 1e-12, "centred over the scored ones");
  t.same(fitBradleyTerry(2, []), [null, null]);
});

t.test("malformed comparisons are refused", async (t) => {
  t.throws(() => fitBradleyTerry(2, [{ a: 0, b: 0, winsA: 1, total: 1 }]), RangeError);
  t.throws(() => fitBradleyTerry(2, [{ a: 0, b: 2, winsA: 1, total: 1 }]), RangeError);
  t.throws(() => fitBradleyTerry(2, [{ a: 0, b: 1, winsA: 3, total: 2 }]), RangeError);
  t.throws(() => fitBradleyTerry(2, [], { prior: -1 }), RangeError);
});

t.test("property: relabelling the candidates relabels the scores", async () => {
  const data = fc.integer({ min: 2, max: 8 }).chain((count) =>
    fc.record({
      count: fc.constant(count),
      outcomes: fc.array(
        fc.record({
          p: fc.double({ min: 0, max: 1, noNaN: true }),
          total: fc.constantFrom(0, 1, 2),
        }),
        { minLength: (count * (count - 1)) / 2, maxLength: (count * (count - 1)) / 2 },
      ),
      order: fc.shuffledSubarray([...Array(count).keys()], { minLength: count, maxLength: count }),
    }),
  );
  fc.assert(
    fc.property(data, ({ count, outcomes, order }) => {
      const comparisons: Comparison[] = [];
      let k = 0;
      for (let a = 0; a < count; a++) {
        for (let b = a + 1; b < count; b++) {
          const { p, total } = outcomes[k++]!;
          comparisons.push({ a, b, winsA: p * total, total });
        }
      }
      // Candidate i is called order[i] after relabelling.
      const relabelled = comparisons.map((c) => ({ ...c, a: order[c.a]!, b: order[c.b]! }));
      const before = fitBradleyTerry(count, comparisons);
      const after = fitBradleyTerry(count, relabelled);
      return before.every((score, i) => {
        const moved = after[order[i]!];
        return score === null ? moved === null : Math.abs(score - moved!) < 1e-6;
      });
    }),
    { numRuns: 200 },
  );
});
