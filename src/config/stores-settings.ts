import { z } from "zod";
import { csv, nonNegativeInt, positiveInt } from "./kinds.ts";
import { area, setting } from "./setting.ts";

/** Comma-separated `host:port` seed nodes of a Redis Cluster. */
const clusterNodes = csv.pipe(
  z
    .array(
      z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/, "each node must be host:port"),
    )
    .min(1),
);

export const stores = area(
  "Stores and cache",
  "Where state lives: Redis shared by every gateway, or in-process stores and files for one.",
  {
    redisUrl: setting({
      env: "REDIS_URL",
      schema: z.url({ protocol: /^rediss?$/ }),
      doc: "`redis://host:6379/0`: the *state* Redis (API keys, registry, rate limits, prompt stream, trainer state; `noeviction`, AOF) shared by every gateway, and the verdict cache unless the cache role has its own; unset (and no cluster nodes) → in-process stores (one gateway only); docs/redis.md",
    }),
    dataDir: setting({
      env: "JURIST_DATA_DIR",
      schema: z.string().min(1),
      default: "./data",
      doc: "blobs, datasets, reports, trainer state",
    }),
    stores: {
      redisClusterNodes: setting({
        env: "JURIST_REDIS_CLUSTER_NODES",
        schema: clusterNodes,
        doc: "`host:port,host:port,…` seed nodes of a Redis Cluster for the *state* role, instead of `REDIS_URL` (setting both is refused)",
      }),
      cacheRedisUrl: setting({
        env: "JURIST_CACHE_REDIS_URL",
        schema: z.url({ protocol: /^rediss?$/ }),
        doc: "`redis://cache:6379/0`: the *cache* Redis (verdict cache only; `maxmemory` + `allkeys-lru`, no persistence); unset → the state role's connection",
      }),
      cacheRedisClusterNodes: setting({
        env: "JURIST_CACHE_REDIS_CLUSTER_NODES",
        schema: clusterNodes,
        doc: "`host:port,…` seed nodes of a Redis Cluster for the *cache* role, instead of `JURIST_CACHE_REDIS_URL` (setting both is refused)",
      }),
      redisPrefix: setting({
        env: "JURIST_REDIS_PREFIX",
        // Braces would turn the prefix into every key's Cluster hash tag (src/store/redis-client.ts).
        schema: z
          .string()
          .max(64)
          .regex(/^[^{}]*$/, "must not contain { or }"),
        default: "jurist:",
        doc: "every Redis key starts with this, so one Redis can serve several deployments",
      }),
      cacheTtlMs: setting({
        env: "JURIST_CACHE_TTL_MS",
        schema: nonNegativeInt,
        default: 86_400_000,
        doc: "verdict cache entry lifetime, ms (24 h); `0` turns caching off",
      }),
      cacheMaxEntries: setting({
        env: "JURIST_CACHE_MAX_ENTRIES",
        schema: positiveInt,
        default: 10_000,
        doc: "in-memory verdict cache bound (one gateway, no Redis)",
      }),
      promptLogMaxLength: setting({
        env: "JURIST_PROMPT_LOG_MAX_LENGTH",
        schema: positiveInt,
        default: 1_000_000,
        doc: "prompt stream cap (`XADD MAXLEN ~`)",
      }),
      registryRefreshMs: setting({
        env: "JURIST_REGISTRY_REFRESH_MS",
        schema: positiveInt,
        default: 1_000,
        doc: "how often the champion is re-read besides the change events (which may be missed), ms",
      }),
    },
  },
);
