export interface RetryBudgetOptions {
  /** Retries allowed as a fraction of first attempts in the window (0.2 = 20%). */
  ratio: number;
  /** Length of the sliding window, ms. */
  windowMs: number;
  /**
   * Retries always allowed per window whatever the traffic, so a lone request can still fail
   * over on a quiet gateway. Zero makes the ratio strict.
   */
  minRetriesPerWindow: number;
}

const BUCKETS = 10;

/**
 * A sliding-window retry budget: retries stay within `ratio` of first attempts (plus a small
 * floor), so a sick fleet is not hammered by retry storms. Counts live in ten time buckets.
 */
export function createRetryBudget(options: RetryBudgetOptions, now: () => number = Date.now) {
  const bucketMs = options.windowMs / BUCKETS;
  const attempts = new Array<number>(BUCKETS).fill(0);
  const retries = new Array<number>(BUCKETS).fill(0);
  let currentBucket = Math.floor(now() / bucketMs);

  function advance(): number {
    const bucket = Math.floor(now() / bucketMs);
    for (let b = Math.max(currentBucket + 1, bucket - BUCKETS + 1); b <= bucket; b++) {
      attempts[b % BUCKETS] = 0;
      retries[b % BUCKETS] = 0;
    }
    currentBucket = Math.max(currentBucket, bucket);
    return bucket % BUCKETS;
  }

  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

  return {
    /** Counts a first attempt. */
    recordAttempt(): void {
      attempts[advance()]! += 1;
    },
    /** Takes one retry from the budget; false when the budget is spent. */
    tryRetry(): boolean {
      const index = advance();
      const allowed = options.ratio * sum(attempts) + options.minRetriesPerWindow;
      if (sum(retries) + 1 > allowed) return false;
      retries[index]! += 1;
      return true;
    },
  };
}

export type RetryBudget = ReturnType<typeof createRetryBudget>;
