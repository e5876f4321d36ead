/**
 * Runs `work` over `items` with at most `limit` calls in flight. Unlike `mapConcurrent`, it
 * stops taking new items once `signal` aborts and waits for the calls in flight to settle
 * before it rejects, so no call keeps writing after the stage has returned.
 */
export async function runBounded<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  async function worker(): Promise<void> {
    while (next < items.length && !failure && !signal?.aborted) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
  signal?.throwIfAborted();
}
