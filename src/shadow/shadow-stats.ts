import type { RedisClient } from "../store/redis-client.ts";

/** What the shadow traffic of one candidate showed so far. */
export interface ShadowCounts {
  /** Shadow verdicts completed (errors excluded). */
  requests: number;
  /** The candidate named the champion's winner (a tie matching a tie included). */
  agreements: number;
  /** The candidate's two orders agreed. */
  consistent: number;
  /** The candidate's verdict could not be read in at least one order. */
  invalid: number;
}

/** One shadow verdict's outcome. */
export interface ShadowOutcome {
  agree: boolean;
  consistent: boolean | null;
  invalid: boolean;
}

/**
 * Where gateways count shadow outcomes and learn which candidate to shadow: Redis, so the
 * trainer's gate reads what every gateway saw; in memory for the embedded default.
 */
export interface ShadowStats {
  /** The checkpoint live traffic is shadowed to, or null. */
  target(): Promise<string | null>;
  setTarget(id: string | null): Promise<void>;
  record(candidate: string, outcome: ShadowOutcome): Promise<void>;
  counts(candidate: string): Promise<ShadowCounts>;
}

const empty = (): ShadowCounts => ({ requests: 0, agreements: 0, consistent: 0, invalid: 0 });

function increments(outcome: ShadowOutcome): Partial<ShadowCounts> {
  return {
    requests: 1,
    agreements: outcome.agree ? 1 : 0,
    consistent: outcome.consistent ? 1 : 0,
    invalid: outcome.invalid ? 1 : 0,
  };
}

export function createMemoryShadowStats(): ShadowStats {
  let target: string | null = null;
  const all = new Map<string, ShadowCounts>();
  return {
    target: async () => target,
    async setTarget(id) {
      target = id;
    },
    async record(candidate, outcome) {
      const counts = all.get(candidate) ?? empty();
      for (const [field, by] of Object.entries(increments(outcome))) {
        counts[field as keyof ShadowCounts] += by;
      }
      all.set(candidate, counts);
    },
    counts: async (candidate) => ({ ...(all.get(candidate) ?? empty()) }),
  };
}

/** Counts in a hash per candidate (`shadow:<id>`), the target in `shadow:target`. */
export function createRedisShadowStats(client: RedisClient): ShadowStats {
  const redis = client.commands;
  return {
    target: () => redis.get("shadow:target"),
    async setTarget(id) {
      if (id === null) await redis.del("shadow:target");
      else await redis.set("shadow:target", id);
    },
    async record(candidate, outcome) {
      const pipeline = redis.pipeline();
      for (const [field, by] of Object.entries(increments(outcome))) {
        if (by) pipeline.hincrby(`shadow:${candidate}`, field, by);
      }
      await pipeline.exec();
    },
    async counts(candidate) {
      const raw = await redis.hgetall(`shadow:${candidate}`);
      const counts = empty();
      for (const field of Object.keys(counts) as (keyof ShadowCounts)[]) {
        counts[field] = Number(raw[field] ?? 0);
      }
      return counts;
    },
  };
}
