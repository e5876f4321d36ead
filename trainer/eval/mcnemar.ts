/**
 * Exact two-sided McNemar test: under "neither judge is better" each of the n = b + c
 * discordant items is equally likely to favour either side, so min(b, c) ~ Binomial(n, 1/2)
 * and p = min(1, 2·P(X ≤ min(b, c))). b = c gives 1; no discordant items give 1.
 *
 * Computed in log space around the largest tail term so it neither underflows (2⁻ⁿ is 0 in
 * doubles past n ≈ 1074) nor loses precision for n in the millions: the tail is summed from
 * P(X = k) downwards, each term the previous times i/(n − i + 1), until terms stop mattering.
 * Throws RangeError unless b and c are non-negative integers.
 */
export function mcnemarExactPValue(b: number, c: number): number {
  for (const count of [b, c]) {
    if (!Number.isInteger(count) || count < 0) {
      throw new RangeError(`McNemar counts must be non-negative integers, got ${b} and ${c}`);
    }
  }
  const n = b + c;
  const k = Math.min(b, c);
  if (2 * k === n) return 1;
  let term = 1;
  let tail = 1;
  // No `i > 0` test: the round at i = 0 multiplies the term by 0 / (n + 1), which ends the loop.
  for (let i = k; term > tail * Number.EPSILON; i--) {
    term *= i / (n - i + 1);
    tail += term;
  }
  const logTermK = logChoose(n, k) - n * Math.LN2;
  return Math.min(1, 2 * Math.exp(logTermK + Math.log(tail)));
}

/** ln C(n, k) as a sum of logs: exact enough (≈1e-13 relative) and never overflows. */
function logChoose(n: number, k: number): number {
  let sum = 0;
  for (let i = 1; i <= k; i++) sum += Math.log((n - k + i) / i);
  return sum;
}
