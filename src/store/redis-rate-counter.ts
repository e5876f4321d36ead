import type { RateCounter } from "./rate-counter.ts";
import type { RedisClient, RedisConnection } from "./redis-client.ts";

/** Key prefix of the counters, under the client's own prefix (`jurist:rate:<key>`). */
const PREFIX = "rate:";

// KEYS[1] the counter; ARGV cost, max, window ms. Returns {taken 0|1, count, ms to reset}.
// A key without an expiry (written by hand, or whose PEXPIRE was lost) gets one here, so a
// counter can never block a key forever.
const TAKE = `
local cost = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local count = tonumber(redis.call("GET", KEYS[1]) or "0")
local ttl = redis.call("PTTL", KEYS[1])
local taken = 0
if count + cost <= max then
  count = redis.call("INCRBY", KEYS[1], cost)
  taken = 1
end
if ttl < 0 then
  redis.call("PEXPIRE", KEYS[1], window)
  ttl = window
end
return {taken, count, ttl}`;

interface RateCommands {
  juristRateTake(key: string, cost: number, max: number, windowMs: number): Promise<number[]>;
}

function withRateCommands(redis: RedisConnection): RedisConnection & RateCommands {
  redis.defineCommand("juristRateTake", { numberOfKeys: 1, lua: TAKE });
  return redis as RedisConnection & RateCommands;
}

/**
 * Rate counters shared by every gateway: one Lua script per take (read, INCRBY, PEXPIRE), so
 * concurrent gateways never over-admit. Keys are `<prefix>rate:<key>` holding an integer with
 * the window as its expiry, as @fastify/rate-limit's Redis store wrote them before (whose Lua
 * INCRed by 1 even when refusing). Rejects at once while Redis is down.
 */
export function createRedisRateCounter(client: RedisClient): RateCounter {
  const redis = withRateCommands(client.commands);
  return {
    async take(key, cost, max, windowMs) {
      const [taken, count, resetInMs] = await redis.juristRateTake(
        `${PREFIX}${key}`,
        cost,
        max,
        windowMs,
      );
      return { taken: taken === 1, count: count!, resetInMs: resetInMs! };
    },
  };
}
