import { createRandom } from "../../src/core/seeded-random.ts";

/** How a bootstrap resamples. */
export interface BootstrapOptions {
  /** Number of resamples; default 2000. More narrows the Monte Carlo error, not the interval. */
  resamples?: number;
  /** Seed of the resampling stream: the same seed and data give the same interval. Default 0. */
  seed?: string | number;
}

export const DEFAULT_RESAMPLES = 2000;

/**
 * Each stratum's mean in each of `resamples` stratified bootstrap resamples: every stratum is
 * resampled with replacement at its own size, so each category keeps its weight and a small
 * category can neither vanish from a resample nor grow. Returns one row per resample holding
 * one mean per stratum, in the strata's order. Throws RangeError on an empty stratum.
 */
export function bootstrapStratumMeans(
  strata: readonly ArrayLike<number>[],
  options: BootstrapOptions = {},
): Float64Array[] {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  }
  if (strata.some((values) => values.length === 0)) throw new RangeError("empty stratum");
  const random = createRandom("stratified-bootstrap", options.seed ?? 0);
  return Array.from({ length: resamples }, () => {
    const means = new Float64Array(strata.length);
    strata.forEach((values, s) => {
      const n = values.length;
      let sum = 0;
      for (let i = 0; i < n; i++) sum += values[Math.floor(random.next() * n)]!;
      means[s] = sum / n;
    });
    return means;
  });
}

/**
 * Items grouped by lower-cased category (the strata of a stratified bootstrap), categories in
 * name order so reports list them stably.
 */
export function groupByCategory<T extends { category: string }>(
  items: readonly T[],
): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const name = item.category.toLowerCase();
    const group = groups.get(name);
    if (group) group.push(item);
    else groups.set(name, [item]);
  }
  // The default sort orders strings by UTF-16 code units, as `<` does.
  return new Map([...groups.keys()].sort().map((name) => [name, groups.get(name)!]));
}
