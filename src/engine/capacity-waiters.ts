/**
 * Requests waiting for a replica slot, bounded in number and in time: when every eligible
 * replica is at its limit, a request waits briefly for a release instead of failing at once,
 * and never queues without bound.
 */
export function createCapacityWaiters(maxWaiters: number) {
  const waiters = new Set<() => void>();

  return {
    get size(): number {
      return waiters.size;
    },
    /**
     * Resolves true when a slot may have freed, false after `timeoutMs`, when the signal
     * aborts, or at once when `maxWaiters` already wait.
     */
    wait(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
      if (waiters.size >= maxWaiters || timeoutMs <= 0 || signal?.aborted) {
        return Promise.resolve(false);
      }
      return new Promise((resolve) => {
        const finish = (woken: boolean) => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          waiters.delete(wake);
          resolve(woken);
        };
        const wake = () => finish(true);
        const onAbort = () => finish(false);
        const timer = setTimeout(() => finish(false), timeoutMs);
        signal?.addEventListener("abort", onAbort, { once: true });
        waiters.add(wake);
      });
    },
    /** Wakes every waiter to route again (slots can free on any replica). */
    notify(): void {
      for (const wake of [...waiters]) wake();
    },
  };
}

export type CapacityWaiters = ReturnType<typeof createCapacityWaiters>;
