/** A two-sided confidence interval, both ends inclusive, in the unit of its statistic. */
export interface Interval {
  low: number;
  high: number;
}

/** The standard normal quantile for a two-sided 95% interval. */
export const Z_95 = 1.959963984540054;

/**
 * Wilson score interval for a proportion of `successes` in `n` trials (default 95%). Unlike
 * the normal ("Wald") interval it stays inside [0, 1] and keeps its coverage near 0 and 1,
 * where judge accuracies on easy categories sit. `successes` may be fractional (ties count
 * half): the variance of scores in [0, 1] with mean p is at most p(1 − p), so the interval is
 * then conservative. Throws RangeError unless n > 0 and 0 ≤ successes ≤ n.
 */
export function wilsonInterval(successes: number, n: number, z = Z_95): Interval {
  if (!(n > 0) || !(successes >= 0 && successes <= n)) {
    throw new RangeError(`no Wilson interval for ${successes} successes in ${n} trials`);
  }
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const halfWidth = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At 0 and n the bound is exactly 0 or 1; rounding must not push it past the point estimate.
  return {
    low: successes === 0 ? 0 : Math.max(0, centre - halfWidth),
    high: successes === n ? 1 : Math.min(1, centre + halfWidth),
  };
}

/**
 * The percentile interval of bootstrap replicates: their (1 − confidence)/2 and
 * (1 + confidence)/2 quantiles, linearly interpolated (R's type 7). Throws RangeError on none.
 */
export function percentileInterval(replicates: ArrayLike<number>, confidence = 0.95): Interval {
  if (replicates.length === 0) throw new RangeError("no bootstrap replicates");
  const sorted = Float64Array.from(replicates).sort();
  const tail = (1 - confidence) / 2;
  return { low: quantile(sorted, tail), high: quantile(sorted, 1 - tail) };
}

function quantile(sorted: Float64Array, q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}
