import { join } from "node:path";
import type { Logger } from "pino";
import type { Config } from "../config/config.ts";
import type { BlobStore } from "./blob-store.ts";
import type { CheckpointRegistry } from "./checkpoint-registry.ts";
import { blobDir, createBlobStore } from "./create-blob-store.ts";
import type { GatewayPeers } from "./gateway-peers.ts";
import type { KeyStore } from "./key-store.ts";
import { watchLegacyKeys } from "./legacy-key-watch.ts";
import { createMemoryCheckpointRegistry } from "./memory-checkpoint-registry.ts";
import { createMemoryGatewayPeers } from "./memory-gateway-peers.ts";
import { createMemoryKeyStore } from "./memory-key-store.ts";
import { createMemoryPromptLog } from "./memory-prompt-log.ts";
import { createMemoryRateCounter } from "./memory-rate-counter.ts";
import { createMemoryShadowStats } from "./memory-shadow-stats.ts";
import { createMemoryVerdictCache } from "./memory-verdict-cache.ts";
import type { PromptLog } from "./prompt-log.ts";
import type { RateCounter } from "./rate-counter.ts";
import { createRedisCheckpointRegistry } from "./redis-checkpoint-registry.ts";
import {
  createRedisClient,
  type RedisClient,
  type RedisClientOptions,
  type RedisRole,
} from "./redis-client.ts";
import type { RedisErrorCause } from "./redis-error-cause.ts";
import { createRedisGatewayPeers } from "./redis-gateway-peers.ts";
import { createRedisKeyStore } from "./redis-key-store.ts";
import { createRedisPromptLog } from "./redis-prompt-log.ts";
import { createRedisRateCounter } from "./redis-rate-counter.ts";
import { createRedisShadowStats } from "./redis-shadow-stats.ts";
import { createRedisVerdictCache } from "./redis-verdict-cache.ts";
import type { ShadowStats } from "./shadow-stats.ts";
import type { VerdictCache } from "./verdict-cache.ts";

export { blobDir };

/** Every store a gateway uses, behind its port. */
export interface Stores {
  cache: VerdictCache;
  keys: KeyStore;
  registry: CheckpointRegistry;
  promptLog: PromptLog;
  blobs: BlobStore;
  /** Shadow traffic's target and counts, shared by every gateway and the trainer. */
  shadow: ShadowStats;
  /** Rate-limit counters: HTTP and gRPC count into the same ones, every gateway with Redis. */
  rates: RateCounter;
  /** The gateways sharing the replicas, counted to divide their capacity (state Redis). */
  peers: GatewayPeers;
  /** The state role's Redis connections when a state Redis is set; null for the embedded stores. */
  redis: RedisClient | null;
  /** `degraded` while some Redis role is unreachable or refuses writes (judging continues). */
  status(): "ok" | "degraded";
  /** Each Redis role's state (`redis-state`, `redis-cache`), for readiness; empty without Redis. */
  redisStates(): Record<string, "ok" | "degraded">;
  /**
   * Keys of the layout before the Cluster hash tags still in the state Redis (names without
   * the prefix; src/store/legacy-key-watch.ts): `jurist redis upgrade` moves them. Empty
   * without Redis.
   */
  legacyKeys(): readonly string[];
  close(): Promise<void>;
}

/** What the stores report besides their results. */
export interface StoresObserver {
  /** A Redis command failed (after the client's own retries): the metric counts it. */
  redisError?: (role: RedisRole, cause: RedisErrorCause) => void;
}

type RedisTarget = Pick<RedisClientOptions, "url" | "clusterNodes">;

/** The state role's Redis: `REDIS_URL` or `JURIST_REDIS_CLUSTER_NODES`; null for neither. */
export function stateRedisTarget(config: Config): RedisTarget | null {
  if (config.redisUrl) return { url: config.redisUrl };
  const nodes = config.stores.redisClusterNodes;
  return nodes?.length ? { clusterNodes: nodes } : null;
}

/** The cache role's own Redis, or null when it shares the state role's connection. */
export function cacheRedisTarget(config: Config): RedisTarget | null {
  if (config.stores.cacheRedisUrl) return { url: config.stores.cacheRedisUrl };
  const nodes = config.stores.cacheRedisClusterNodes;
  return nodes?.length ? { clusterNodes: nodes } : null;
}

/** Where a role's Redis is, for messages (never the password). */
function describe(target: RedisTarget): string {
  if (target.clusterNodes) return `cluster ${target.clusterNodes.join(",")}`;
  const url = new URL(target.url!);
  return `${url.protocol}//${url.host}`;
}

/**
 * Chooses the adapters: Redis for everything shared when a state Redis is set, else in-process
 * stores (keys and registry kept in JSON files under JURIST_DATA_DIR so the CLI and restarts
 * see them). The verdict cache goes to the cache role's Redis when it has one. Image blobs
 * go where JURIST_BLOB_STORE says (`create-blob-store.ts`).
 */
export async function createStores(
  config: Config,
  logger: Logger,
  observer: StoresObserver = {},
): Promise<Stores> {
  const blobs = await createBlobStore(config);
  const stateTarget = stateRedisTarget(config);
  if (!stateTarget) {
    const registry = createMemoryCheckpointRegistry({
      file: join(config.dataDir, "registry.json"),
    });
    return {
      cache: createMemoryVerdictCache({ maxEntries: config.stores.cacheMaxEntries }),
      keys: createMemoryKeyStore({ file: join(config.dataDir, "keys.json") }),
      registry,
      promptLog: createMemoryPromptLog({ maxLength: config.stores.promptLogMaxLength }),
      blobs,
      shadow: createMemoryShadowStats(),
      rates: createMemoryRateCounter(),
      peers: createMemoryGatewayPeers(),
      redis: null,
      status: () => "ok",
      redisStates: () => ({}),
      legacyKeys: () => [],
      close: async () => {
        await registry.close?.();
        await blobs.close();
      },
    };
  }
  const connect = (role: RedisRole, target: RedisTarget) =>
    createRedisClient({
      ...target,
      role,
      keyPrefix: config.stores.redisPrefix,
      logger,
      onError: observer.redisError,
    });
  const client = connect("state", stateTarget);
  const cacheTarget = cacheRedisTarget(config);
  const cacheClient = cacheTarget ? connect("cache", cacheTarget) : client;
  const [stateUp, cacheUp] = await Promise.all([client.ready(), cacheClient.ready()]);
  if (!stateUp)
    logger.warn(`state Redis (${describe(stateTarget)}) is not reachable yet: starting degraded`);
  if (!cacheUp && cacheTarget) {
    logger.warn(`cache Redis (${describe(cacheTarget)}) is not reachable yet: starting degraded`);
  }
  const legacy = watchLegacyKeys(client.commands, logger, config.stores.redisPrefix);
  if (stateUp) await legacy.start();
  const registry = createRedisCheckpointRegistry({ client });
  const redisStates = () => ({
    "redis-state": client.status(),
    "redis-cache": cacheClient.status(),
  });
  return {
    cache: createRedisVerdictCache({ client: cacheClient }),
    keys: createRedisKeyStore({ client }),
    registry,
    promptLog: createRedisPromptLog({ client, maxLength: config.stores.promptLogMaxLength }),
    blobs,
    shadow: createRedisShadowStats(client),
    rates: createRedisRateCounter(client),
    peers: createRedisGatewayPeers(client),
    redis: client,
    status: () =>
      Object.values(redisStates()).every((state) => state === "ok") ? "ok" : "degraded",
    redisStates,
    legacyKeys: legacy.found,
    async close() {
      await registry.close?.();
      await client.close();
      await blobs.close();
      if (cacheClient !== client) await cacheClient.close();
    },
  };
}

/** Just the key store, for the `jurist keys` CLI. */
export async function openKeyStore(config: Config, logger: Logger) {
  const target = stateRedisTarget(config);
  if (!target) {
    return {
      keys: createMemoryKeyStore({ file: join(config.dataDir, "keys.json") }),
      close: async () => {},
    };
  }
  const client = createRedisClient({ ...target, keyPrefix: config.stores.redisPrefix, logger });
  if (!(await client.ready())) {
    await client.close();
    throw new Error(`Redis at ${describe(target)} is not reachable`);
  }
  return { keys: createRedisKeyStore({ client }), close: () => client.close() };
}
