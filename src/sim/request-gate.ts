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

  return {
    /** Resolves once the caller holds a slot; pair every acquire with one release. */
    acquire(): Promise<void> {
      if (waiting.length === 0 && running < limit()) {
        running++;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        waiting.push(resolve);
      });
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
