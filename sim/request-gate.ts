/** One waiting request: where it queues (`place`, lower first) and its arrival. */
interface Waiter {
  place: number;
  arrival: number;
  admitted: () => void;
}

/**
 * vLLM's scheduler in miniature: at most `limit()` completions run at once (max_num_seqs);
 * the rest wait, ordered by `place` and then arrival, as vLLM's `PriorityRequestQueue` orders
 * by (priority, arrival_time) (vllm/v1/core/sched/request_queue.py). Under fcfs every place is
 * 0: arrival order. A running request is never preempted for a waiting one (vLLM preempts the
 * lowest priority only when the KV cache runs out). The counts feed `/metrics`, so routing sees
 * real queueing. There is no bound on waiting, as in vLLM; shedding load is the gateway's job.
 */
export function createRequestGate(limit: () => number) {
  let running = 0;
  let arrivals = 0;
  const waiting: Waiter[] = [];

  /** The index of the waiter to admit next: the lowest place, the earliest among equals. */
  function next(): number {
    let best = 0;
    for (let index = 1; index < waiting.length; index++) {
      const candidate = waiting[index]!;
      const current = waiting[best]!;
      if (
        candidate.place < current.place ||
        (candidate.place === current.place && candidate.arrival < current.arrival)
      ) {
        best = index;
      }
    }
    return best;
  }

  function admit(): void {
    while (waiting.length > 0 && running < limit()) {
      running++;
      waiting.splice(next(), 1)[0]!.admitted();
    }
  }

  /** Queues a waiter that leaves the queue (rejecting with the signal's reason) on abort. */
  function wait(signal: AbortSignal | undefined, place: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = waiting.indexOf(waiter);
        if (index >= 0) waiting.splice(index, 1);
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        place,
        arrival: arrivals++,
        admitted: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      waiting.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  return {
    /**
     * Resolves once the caller holds a slot; pair every resolved acquire with one release.
     * Rejects with the signal's reason, holding nothing, when `signal` aborts first, so a
     * client that gave up never takes a slot. `place` orders it among the waiting (lower
     * first, then arrival); 0 for every request under fcfs.
     */
    acquire(signal?: AbortSignal, place = 0): Promise<void> {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (waiting.length === 0 && running < limit()) {
        running++;
        return Promise.resolve();
      }
      return wait(signal, place);
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
