/**
 * A cache TTL as whole milliseconds, rounded up. Throws RangeError for a TTL that is not a
 * positive finite number: both adapters reject it the same way (Redis refuses `PX 0`), and a
 * zero TTL is a caller bug, not a request to store nothing.
 */
export function verdictTtlMs(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`cache TTL must be a positive number of ms, got ${ttlMs}`);
  }
  return Math.ceil(ttlMs);
}
