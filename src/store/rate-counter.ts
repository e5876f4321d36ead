/**
 * Per-key request counters in fixed windows, for rate limits shared by every transport (and,
 * through Redis, every gateway). A port: an in-process and a Redis adapter.
 */

/** What one `take` found. */
export interface RateTake {
  /** True when `cost` was added; false when it would have passed `max` (nothing was added). */
  taken: boolean;
  /** The key's count in this window, after the take when it was taken. */
  count: number;
  /** Milliseconds until the window ends and the count starts again from 0. */
  resetInMs: number;
}

export interface RateCounter {
  /**
   * Adds `cost` to `key`'s count in its current window of `windowMs`, unless the count would
   * then pass `max`: all or nothing, so a refused batch spends none of the budget. A window
   * starts with the first take of a key that has none (a fixed window, not a sliding one).
   * Rejects when the count cannot be read (Redis unreachable).
   */
  take(key: string, cost: number, max: number, windowMs: number): Promise<RateTake>;
}
