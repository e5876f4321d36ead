import type { RateCounter } from "./rate-counter.ts";

export interface MemoryRateCounterOptions {
  /**
   * Most keys counted (default 10,000); past it the key whose window started longest ago is
   * forgotten (it starts a fresh window), so memory stays bounded however many clients call.
   */
  maxKeys?: number;
}

/** Rate counters for one gateway process; expired windows are replaced when next taken. */
export function createMemoryRateCounter(options: MemoryRateCounterOptions = {}): RateCounter {
  const maxKeys = options.maxKeys ?? 10_000;
  // Insertion order is window start order: a new window re-inserts its key at the end.
  const windows = new Map<string, { count: number; endsAt: number }>();
  return {
    async take(key, cost, max, windowMs) {
      const now = Date.now();
      let window = windows.get(key);
      if (!window || window.endsAt <= now) {
        windows.delete(key);
        window = { count: 0, endsAt: now + windowMs };
        windows.set(key, window);
        while (windows.size > maxKeys) windows.delete(windows.keys().next().value!);
      }
      const taken = window.count + cost <= max;
      if (taken) window.count += cost;
      return { taken, count: window.count, resetInMs: window.endsAt - now };
    },
  };
}
