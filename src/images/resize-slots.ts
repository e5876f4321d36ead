/**
 * How many image resizes run at once. Each sharp pipeline holds a libuv threadpool thread
 * (4 by default, `UV_THREADPOOL_SIZE`) for its whole decode, resize and encode; that pool
 * also serves `dns.lookup` (the image fetcher's guarded lookup, undici's connections to
 * `dns+http://` replicas) and `fs`. A burst of large photos left unbounded would take every
 * thread and stall those for as long as the resizes last.
 */
export interface ResizeSlots {
  /**
   * Runs `work` once a slot is free. Rejects with `signal.reason`, without ever running
   * `work`, when `signal` aborts while it waits (the request's deadline or disconnect): a
   * caller that has gone stops holding its place in the queue. A started resize runs to its
   * end (libvips cannot be interrupted).
   */
  run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Resizes running now. */
  readonly running: number;
  /** Resizes waiting for a slot. */
  readonly waiting: number;
}

interface Waiter {
  start(): void;
}

/** Slots for at most `limit` resizes at once (a positive integer); the rest wait in order. */
export function createResizeSlots(limit: number): ResizeSlots {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new TypeError(`resize concurrency must be a positive integer, not ${limit}`);
  }
  let running = 0;
  const queue: Waiter[] = [];

  function release(): void {
    running--;
    queue.shift()?.start();
  }

  async function runNow<T>(work: () => Promise<T>): Promise<T> {
    running++;
    try {
      return await work();
    } finally {
      release();
    }
  }

  return {
    run(work, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (running < limit) return runNow(work);
      return new Promise((resolve, reject) => {
        const onAbort = () => {
          queue.splice(queue.indexOf(waiter), 1);
          reject(signal!.reason);
        };
        const waiter: Waiter = {
          start() {
            signal?.removeEventListener("abort", onAbort);
            runNow(work).then(resolve, reject);
          },
        };
        queue.push(waiter);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
    get running() {
      return running;
    },
    get waiting() {
      return queue.length;
    },
  };
}
