/**
 * How many calls may be in flight: a number, or a function read again before every start, so
 * a long stage follows a limit that changes while it runs (replicas joining or leaving).
 */
export type PoolLimit = number | (() => number);

/** How often a running pool re-reads a function limit while no call ends, ms. */
const LIMIT_RECHECK_MS = 1_000;

/**
 * Runs `work` over `items` with at most `limit` calls in flight (at least one, so a limit of
 * zero still makes progress, or fails, rather than hanging). Unlike `mapConcurrent`, it stops
 * taking new items once `signal` aborts and waits for the calls in flight to settle before it
 * rejects, so no call keeps writing after the stage has returned. A function limit is read
 * again whenever a call ends and once a second meanwhile: a higher limit starts more calls at
 * once, a lower one lets calls in flight finish and starts none until they are below it.
 */
export async function runBounded<T>(
  items: readonly T[],
  limit: PoolLimit,
  work: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const current = () => Math.max(1, Math.floor(typeof limit === "number" ? limit : limit()));
  let next = 0;
  let active = 0;
  let failure: { error: unknown } | null = null;
  await new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const fill = () => {
      const stopping = failure !== null || signal?.aborted === true;
      while (!stopping && next < items.length && active < current()) {
        const item = items[next++]!;
        active += 1;
        started(work, item)
          .catch((error: unknown) => {
            failure ??= { error };
          })
          .finally(() => {
            active -= 1;
            fill();
          });
      }
      if (active === 0 && (stopping || next >= items.length)) {
        clearInterval(timer);
        resolve();
      }
    };
    if (typeof limit === "function") {
      timer = setInterval(fill, LIMIT_RECHECK_MS);
      timer.unref();
    }
    fill();
  });
  if (failure) throw (failure as { error: unknown }).error;
  signal?.throwIfAborted();
}

/** The call's promise; a `work` that throws before returning one fails like one that rejects. */
function started<T>(work: (item: T) => Promise<void>, item: T): Promise<void> {
  try {
    return work(item);
  } catch (error) {
    return Promise.reject(error);
  }
}
