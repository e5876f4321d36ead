/**
 * Recent call latencies in a fixed ring, for the hedging delay (a percentile of what calls
 * have been taking). Fixed memory whatever the traffic.
 */
export function createLatencyTracker(capacity = 512) {
  const samples = new Float64Array(capacity);
  let count = 0;
  let next = 0;

  return {
    record(ms: number): void {
      samples[next] = ms;
      next = (next + 1) % capacity;
      count = Math.min(count + 1, capacity);
    },
    /** The `p`-th percentile (0–100) of recent samples, or null with fewer than `minSamples`. */
    percentile(p: number, minSamples: number): number | null {
      if (count < minSamples || count === 0) return null;
      const sorted = Array.from(samples.subarray(0, count)).sort((a, b) => a - b);
      const rank = Math.min(count - 1, Math.max(0, Math.ceil((p / 100) * count) - 1));
      return sorted[rank]!;
    },
  };
}
