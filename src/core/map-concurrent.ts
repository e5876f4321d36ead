/**
 * Maps `items` through `work` with at most `limit` calls in flight, keeping input order.
 * A rejected call rejects the whole map; callers that want per-item results catch inside
 * `work`. A fractional limit counts as its whole part; Infinity means no limit.
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  // A limit below one would start no call and resolve to an array of holes: the caller's
  // setting is wrong, and it should hear so rather than read `undefined` results.
  if (!(limit >= 1)) throw new RangeError(`mapConcurrent: limit must be at least 1, got ${limit}`);
  const results: R[] = [];
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  }
  const workers = Array.from({ length: Math.min(limit, items.length) }, worker);
  await Promise.all(workers);
  return results;
}
