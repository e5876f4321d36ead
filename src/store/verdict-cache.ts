/**
 * The verdict cache port. Entries are opaque strings (versioned verdict records, in the
 * canonical response order: see src/judge/cached-verdicts.ts); adapters only store and expire
 * them.
 */
export interface VerdictCache {
  /** The entry under `key`, or null on a miss. Throws when the backing store is unreachable. */
  get(key: string): Promise<string | null>;
  /** Stores `value` under `key` for `ttlMs` milliseconds. Throws when unreachable. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
}
