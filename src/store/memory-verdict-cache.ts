import type { VerdictCache } from "./verdict-cache.ts";
import { verdictTtlMs } from "./verdict-ttl.ts";

export interface MemoryVerdictCacheOptions {
  /**
   * Most entries kept (default 10,000); past it the least recently written entry goes, so
   * memory stays bounded whatever the TTL.
   */
  maxEntries?: number;
}

/**
 * The in-process verdict cache for a single gateway. Expired entries are dropped when read
 * and otherwise age out through the size bound, so no timer runs.
 */
export function createMemoryVerdictCache(options: MemoryVerdictCacheOptions = {}) {
  const maxEntries = options.maxEntries ?? 10_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  }
  // A Map iterates in insertion order, so its first key is always the oldest write.
  const entries = new Map<string, { value: string; expiresAt: number }>();

  const cache: VerdictCache & { size(): number } = {
    async get(key) {
      const entry = entries.get(key);
      if (!entry) return null;
      if (entry.expiresAt > Date.now()) return entry.value;
      entries.delete(key);
      return null;
    },
    async set(key, value, ttlMs) {
      const expiresAt = Date.now() + verdictTtlMs(ttlMs);
      entries.delete(key);
      entries.set(key, { value, expiresAt });
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
    /** Entries held, expired ones not yet dropped included (for tests and metrics). */
    size: () => entries.size,
  };
  return cache;
}

export type MemoryVerdictCache = ReturnType<typeof createMemoryVerdictCache>;
