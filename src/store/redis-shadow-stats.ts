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
      const pipeline = redis.pipeline();
      for (const [field, by] of Object.entries(shadowIncrements(outcome))) {
        if (by) pipeline.hincrby(`shadow:${candidate}`, field, by);
      }
      await pipeline.exec();
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
