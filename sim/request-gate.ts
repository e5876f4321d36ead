/**
 * vLLM's scheduler in miniature: at most `limit()` completions run at once (max_num_seqs);
 * the rest wait in arrival order. The counts feed `/metrics`, so routing sees real queueing.
 * There is no bound on waiting, as in vLLM; shedding load is the gateway's job.
 */
export function createRequestGate(limit: () => number) {
  let running = 0;
  const waiting: Array<() => void> = [];

  function admit(): void {
    while (waiting.length > 0 && running < limit()) {
      running++;
      waiting.shift()!();
    }
  }

  /** Queues a waiter that leaves the queue (rejecting with the signal's reason) on abort. */
  function wait(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = waiting.indexOf(admitted);
        if (index >= 0) waiting.splice(index, 1);
        reject(signal!.reason);
      };
      const admitted = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      waiting.push(admitted);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  return {
    /**
     * Resolves once the caller holds a slot; pair every resolved acquire with one release.
     * Rejects with the signal's reason, holding nothing, when `signal` aborts first, so a
     * client that gave up never takes a slot.
     */
    acquire(signal?: AbortSignal): Promise<void> {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (waiting.length === 0 && running < limit()) {
        running++;
        return Promise.resolve();
      }
      return wait(signal);
    },
    release(): void {
      running--;
      admit();
    },
    /** Wakes waiters after the limit was raised. */
    admit,
    stats: () => ({ running, waiting: waiting.length }),
  };
}

export type RequestGate = ReturnType<typeof createRequestGate>;
