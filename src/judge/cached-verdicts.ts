import type { Logger } from "pino";
import type { VerdictCache } from "../store/verdict-cache.ts";
import type { Verdict } from "./verdict.ts";
import {
  type CacheKey,
  type CacheKeyInput,
  exchangeResponses,
  VERDICT_RECORD_VERSION,
  verdictCacheKey,
} from "./verdict-cache-key.ts";

/** How a cache lookup went, for metrics. */
export type CacheResult = "hit" | "miss" | "error" | "bypass";

export interface CachedVerdictsOptions {
  cache: VerdictCache;
  ttlMs: number;
  logger: Logger;
  observe?: (result: CacheResult) => void;
}

/** What one cache entry holds, as JSON. */
export interface VerdictRecord {
  v: typeof VERDICT_RECORD_VERSION;
  verdict: Verdict;
}

/**
 * The verdict of a stored entry, or null when it is of another version. Keys carry the version
 * too (verdict-cache-key.ts), so this only guards against an entry that was written wrongly.
 */
function readRecord(stored: string): Verdict | null {
  const record = JSON.parse(stored) as Partial<VerdictRecord> | null;
  if (record?.v !== VERDICT_RECORD_VERSION || typeof record.verdict !== "object") return null;
  return record.verdict;
}

/**
 * The verdict cache as the judge service uses it: entries are kept in canonical response
 * order and mapped back on the way out; only `ok` verdicts are stored; a cache that cannot be
 * reached is a miss, never a failed request.
 */
export function createCachedVerdicts(options: CachedVerdictsOptions) {
  const observe = options.observe ?? (() => {});

  async function lookup(input: CacheKeyInput): Promise<{ key: CacheKey; verdict: Verdict | null }> {
    const key = verdictCacheKey(input);
    try {
      const stored = await options.cache.get(key.key);
      const verdict = stored === null ? null : readRecord(stored);
      observe(verdict ? "hit" : "miss");
      if (!verdict) return { key, verdict: null };
      return { key, verdict: key.swapped ? exchangeResponses(verdict) : verdict };
    } catch (error) {
      observe("error");
      options.logger.debug({ err: error }, "verdict cache lookup failed; judging instead");
      return { key, verdict: null };
    }
  }

  /** Stores an `ok` verdict in the background; failures are logged, never thrown. */
  function store(key: CacheKey, verdict: Verdict): void {
    if (verdict.outcome !== "ok" || options.ttlMs <= 0) return;
    const record: VerdictRecord = {
      v: VERDICT_RECORD_VERSION,
      verdict: key.swapped ? exchangeResponses(verdict) : verdict,
    };
    options.cache.set(key.key, JSON.stringify(record), options.ttlMs).catch((error) => {
      options.logger.debug({ err: error }, "verdict cache store failed");
    });
  }

  return { lookup, store, bypass: () => observe("bypass") };
}

export type CachedVerdicts = ReturnType<typeof createCachedVerdicts>;
