import type { Logger } from "pino";
import type { VerdictWire } from "../http/wire/pairwise-schema.ts";
import type { VerdictCache } from "../store/verdict-cache.ts";
import {
  type CacheKey,
  type CacheKeyInput,
  exchangeResponses,
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

/**
 * The verdict cache as the judge service uses it: entries are kept in canonical response
 * order and mapped back on the way out; only `ok` verdicts are stored; a cache that cannot be
 * reached is a miss, never a failed request.
 */
export function createCachedVerdicts(options: CachedVerdictsOptions) {
  const observe = options.observe ?? (() => {});

  async function lookup(
    input: CacheKeyInput,
  ): Promise<{ key: CacheKey; verdict: VerdictWire | null }> {
    const key = verdictCacheKey(input);
    try {
      const stored = await options.cache.get(key.key);
      observe(stored ? "hit" : "miss");
      if (!stored) return { key, verdict: null };
      const verdict = JSON.parse(stored) as VerdictWire;
      return { key, verdict: key.swapped ? exchangeResponses(verdict) : verdict };
    } catch (error) {
      observe("error");
      options.logger.debug({ err: error }, "verdict cache lookup failed; judging instead");
      return { key, verdict: null };
    }
  }

  /** Stores an `ok` verdict in the background; failures are logged, never thrown. */
  function store(key: CacheKey, verdict: VerdictWire): void {
    if (verdict.outcome !== "ok" || options.ttlMs <= 0) return;
    const canonical = key.swapped ? exchangeResponses(verdict) : verdict;
    options.cache.set(key.key, JSON.stringify(canonical), options.ttlMs).catch((error) => {
      options.logger.debug({ err: error }, "verdict cache store failed");
    });
  }

  return { lookup, store, bypass: () => observe("bypass") };
}

export type CachedVerdicts = ReturnType<typeof createCachedVerdicts>;
