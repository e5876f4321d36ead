/** Nearest-rank percentile of `values` (any order), or NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** `value` with `digits` decimals, for the table. */
export function fixed(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}

/** A ratio as a percentage with one decimal. */
export function percent(ratio: number): string {
  return `${fixed(ratio * 100)}%`;
}

/** Bytes as MiB with one decimal. */
export function mebibytes(bytes: number): string {
  return `${fixed(bytes / 1024 / 1024)} MiB`;
}
