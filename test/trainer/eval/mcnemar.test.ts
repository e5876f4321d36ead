import fc from "fast-check";
import t from "tap";
import { mcnemarExactPValue } from "../../../trainer/eval/mcnemar.ts";

/** 2·P(X ≤ min(b, c)) for X ~ Bin(b + c, 1/2), in exact integer arithmetic. */
function exactByBigInt(b: number, c: number): number {
  const n = BigInt(b + c);
  const k = Math.min(b, c);
  let choose = 1n;
  let tail = 1n;
  for (let i = 1n; i <= BigInt(k); i++) {
    choose = (choose * (n - i + 1n)) / i;
    tail += choose;
  }
  return Math.min(1, Number(2n * tail) / Number(2n ** n));
}

/** Two-sided normal tail, erfc(z/√2), via Numerical Recipes' erfc (relative error < 1.2e-7). */
function normalTwoSided(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const u = 1 / (1 + 0.5 * x);
  const poly = [
    -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398,
    1.48851587, -0.82215223, 0.17087277,
  ].reduceRight(
    (acc, coefficient, i) => (i === 0 ? coefficient + u * acc : coefficient + u * acc),
    0,
  );
  return u * Math.exp(-x * x + poly);
}

t.test("hand-computed values", async (t) => {
  // b=10, c=2: 2·(C(12,0) + C(12,1) + C(12,2)) / 2¹² = 2·79/4096.
  t.ok(
    Math.abs(mcnemarExactPValue(10, 2) - 0.03857421875) < 1e-12,
    String(mcnemarExactPValue(10, 2)),
  );
  t.equal(mcnemarExactPValue(0, 5), 0.0625);
  t.equal(mcnemarExactPValue(0, 1), 1);
  t.equal(mcnemarExactPValue(7, 7), 1, "b = c");
  t.equal(mcnemarExactPValue(0, 0), 1, "no discordant pairs");
  t.throws(() => mcnemarExactPValue(-1, 2), RangeError);
  t.throws(() => mcnemarExactPValue(1.5, 2), RangeError);
});

t.test("matches exact integer arithmetic; symmetric in b and c", async () => {
  fc.assert(
    fc.property(fc.nat(150), fc.nat(150), (b, c) => {
      const p = mcnemarExactPValue(b, c);
      const exact = exactByBigInt(b, c);
      return (
        Math.abs(p - exact) <= 1e-12 * Math.max(exact, 1e-300) + 1e-300 &&
        p === mcnemarExactPValue(c, b)
      );
    }),
  );
});

t.test("more lopsided discordance never raises p", async () => {
  fc.assert(
    fc.property(fc.nat(400), fc.nat(400), (low, extra) => {
      const b = low + extra;
      return mcnemarExactPValue(b + 1, low) <= mcnemarExactPValue(b, low) + 1e-15;
    }),
  );
});

t.test("large n: stable and close to the continuity-corrected normal approximation", async (t) => {
  for (const [b, c] of [
    [5100, 4900],
    [5200, 4800],
    [500_300, 499_700],
    [2_001_000, 1_999_000],
  ] as const) {
    const p = mcnemarExactPValue(b, c);
    const normal = normalTwoSided((Math.abs(b - c) - 1) / Math.sqrt(b + c));
    t.ok(Math.abs(p - normal) <= 0.02 * normal, `b=${b} c=${c}: exact ${p}, normal ${normal}`);
  }
  const extreme = mcnemarExactPValue(600_000, 400_000);
  t.ok(extreme >= 0 && extreme < 1e-300, `vanishing, not NaN: ${extreme}`);
});

t.test("b = c gives exactly 1 at any n, where the tail sum's rounding would not", async (t) => {
  // At n = 6e8 the general path's sum of 3e8 logs drifts enough to give 0.99993: the b = c
  // shortcut is what keeps "no evidence either way" at exactly 1.
  t.equal(mcnemarExactPValue(300_000_000, 300_000_000), 1);
  t.equal(mcnemarExactPValue(1, 1), 1);
  t.equal(mcnemarExactPValue(0, 0), 1);
});

t.test("refused counts name both counts", async (t) => {
  for (const [b, c] of [
    [-1, 2],
    [2, -1],
    [1.5, 2],
    [2, 0.5],
    [Number.NaN, 0],
  ] as const) {
    t.throws(() => mcnemarExactPValue(b, c), {
      name: "RangeError",
      message: `McNemar counts must be non-negative integers, got ${b} and ${c}`,
    });
  }
});
