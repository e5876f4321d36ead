import type { RedisClient } from "./redis-client.ts";
import {
  emptyShadowCounts,
  type ShadowCounts,
  type ShadowStats,
  shadowIncrements,
} from "./shadow-stats.ts";

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
      // One HINCRBY per field in the same turn: auto-pipelined on a single Redis, and on a
      // Cluster each follows its own redirection (one key, so one slot, either way).
      const increments = Object.entries(shadowIncrements(outcome)).filter(([, by]) => by);
      await Promise.all(
        increments.map(([field, by]) => redis.hincrby(`shadow:${candidate}`, field, by)),
      );
    },
    async counts(candidate) {
      const raw = await redis.hgetall(`shadow:${candidate}`);
      const counts = emptyShadowCounts();
      for (const field of Object.keys(counts) as (keyof ShadowCounts)[]) {
        counts[field] = Number(raw[field] ?? 0);
      }
      return counts;
    },
  };
}
