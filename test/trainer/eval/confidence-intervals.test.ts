import fc from "fast-check";
import t from "tap";
import { percentileInterval, wilsonInterval } from "../../../trainer/eval/confidence-intervals.ts";

const close = (actual: number, expected: number, tolerance = 1e-6) =>
  Math.abs(actual - expected) <= tolerance;

t.test("Wilson against known values (R: prop.test(x, n, correct = FALSE))", async (t) => {
  const half = wilsonInterval(5, 10);
  t.ok(close(half.low, 0.2365931) && close(half.high, 0.7634069), JSON.stringify(half));
  const none = wilsonInterval(0, 10);
  t.ok(close(none.low, 0) && close(none.high, 0.2775328), JSON.stringify(none));
  const all = wilsonInterval(10, 10);
  t.ok(close(all.low, 0.7224672) && close(all.high, 1), JSON.stringify(all));
  t.throws(() => wilsonInterval(0, 0), RangeError);
  t.throws(() => wilsonInterval(11, 10), RangeError);
});

t.test("Wilson: inside [0, 1], around p, mirror-symmetric", async () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5000 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (n, share) => {
        const successes = Math.round(share * n);
        const { low, high } = wilsonInterval(successes, n);
        const mirror = wilsonInterval(n - successes, n);
        const p = successes / n;
        return (
          low >= 0 &&
          high <= 1 &&
          low <= p &&
          p <= high &&
          close(low, 1 - mirror.high, 1e-12) &&
          close(high, 1 - mirror.low, 1e-12)
        );
      },
    ),
  );
});

t.test("percentile interval: type-7 quantiles, order-free", async (t) => {
  const values = Array.from({ length: 101 }, (_, i) => 100 - i);
  const { low, high } = percentileInterval(values);
  t.ok(close(low, 2.5, 1e-9) && close(high, 97.5, 1e-9), `${low} ${high}`);
  t.same(percentileInterval([3]), { low: 3, high: 3 });
  t.same(percentileInterval([0, 10], 0.5), { low: 2.5, high: 7.5 });
  t.throws(() => percentileInterval([]), {
    name: "RangeError",
    message: "no bootstrap replicates",
  });
});

t.test("Wilson: the inputs it refuses, with the counts in the message", async (t) => {
  for (const [successes, n] of [
    [0, 0],
    [1, -1],
    [11, 10],
    [-1, 10],
    [Number.NaN, 10],
    [1, Number.NaN],
  ] as const) {
    t.throws(() => wilsonInterval(successes, n), {
      name: "RangeError",
      message: `no Wilson interval for ${successes} successes in ${n} trials`,
    });
  }
  t.ok(close(wilsonInterval(1, 1).low, 0.2065493), "n = 1 is enough");
  const fractional = wilsonInterval(2.5, 10);
  t.ok(
    close(fractional.low, 0.0809478) && close(fractional.high, 0.5578186),
    "fractional successes (ties count half)",
  );
});

t.test("Wilson: rounding never takes a bound outside [0, 1]", async (t) => {
  // A sliver of a success: centre and half-width agree to the last bits, and their difference
  // rounds below 0 (by 5.6e-17 here) unless clamped; likewise just short of n above 1.
  t.equal(wilsonInterval(1e-16, 2).low, 0);
  t.equal(wilsonInterval(6.999999999999999, 7).high, 1);
  // At exactly 0 and n the bound is exact, not computed.
  t.same(wilsonInterval(0, 3).low, 0);
  t.same(wilsonInterval(3, 3).high, 1);
});

t.test("percentile interval: the confidence sets the tails", async (t) => {
  const values = Array.from({ length: 11 }, (_, i) => i * 10);
  t.same(percentileInterval(values, 0.5), { low: 25, high: 75 });
  t.same(percentileInterval(values, 0.75), { low: 12.5, high: 87.5 });
  t.same(percentileInterval(Float64Array.of(4, -1, 2, 8), 0.5), { low: 1.25, high: 5 });
});
