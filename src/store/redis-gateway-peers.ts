import type { GatewayPeers } from "./gateway-peers.ts";
import type { RedisClient } from "./redis-client.ts";

/** One sorted set of every gateway, scored by when it last beat (epoch ms). */
const KEY = "gateways";

/**
 * Gateways in one sorted set of the state Redis: `ZADD` this gateway's beat, `ZREMRANGEBYSCORE`
 * those older than the TTL, `ZCARD` the rest. Single-key commands on one key, so it works on a
 * Redis Cluster as on one server, and needs no script. The set itself expires a TTL after the
 * last beat of any gateway, so a deployment that is gone leaves nothing behind.
 *
 * Scores are each gateway's own clock: clocks that disagree by more than the TTL (NTP keeps
 * them within milliseconds) would make a fast one drop the others, and each gateway over-admit.
 */
export function createRedisGatewayPeers(client: Pick<RedisClient, "commands">): GatewayPeers {
  const redis = client.commands;
  return {
    async beat(gateway, now, ttlMs) {
      // Sent together (one round trip with auto-pipelining) and run in order on one key.
      const [, , , count] = await Promise.all([
        redis.zadd(KEY, now, gateway),
        redis.zremrangebyscore(KEY, "-inf", `(${now - ttlMs}`),
        redis.pexpire(KEY, ttlMs),
        redis.zcard(KEY),
      ]);
      return count;
    },
    async leave(gateway) {
      await redis.zrem(KEY, gateway);
    },
  };
}
