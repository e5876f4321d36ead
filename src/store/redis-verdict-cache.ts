import type { RedisClient } from "./redis-client.ts";
import type { VerdictCache } from "./verdict-cache.ts";
import { verdictTtlMs } from "./verdict-ttl.ts";

export interface RedisVerdictCacheOptions {
  /** The shared connections; entries live at `<keyPrefix>cache:<key>`. */
  client: RedisClient;
}

/**
 * The verdict cache shared by every gateway: one `GET` or one `SET … PX` per call, expiry left
 * to Redis. Calls reject at once while Redis is down (the client has no offline queue), which
 * the judge treats as a miss.
 */
export function createRedisVerdictCache(options: RedisVerdictCacheOptions): VerdictCache {
  const redis = options.client.commands;
  return {
    get: (key) => redis.get(`cache:${key}`),
    async set(key, value, ttlMs) {
      await redis.set(`cache:${key}`, value, "PX", verdictTtlMs(ttlMs));
    },
  };
}
