import { join } from "node:path";
import type { Logger } from "pino";
import type { Config } from "../config/config.ts";
import type { BlobStore } from "./blob-store.ts";
import type { CheckpointRegistry } from "./checkpoint-registry.ts";
import { blobDir, createBlobStore } from "./create-blob-store.ts";
import type { GatewayPeers } from "./gateway-peers.ts";
import type { KeyStore } from "./key-store.ts";
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
import { createRedisClient, type RedisClient } from "./redis-client.ts";
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
  /** The Redis connections when REDIS_URL is set; null for the embedded stores. */
  redis: RedisClient | null;
  /** `degraded` while Redis is unreachable (judging continues). */
  status(): "ok" | "degraded";
  close(): Promise<void>;
}

/**
 * Chooses the adapters: Redis for everything shared when REDIS_URL is set, else in-process
 * stores (keys and registry kept in JSON files under JURIST_DATA_DIR so the CLI and restarts
 * see them). Image blobs go where JURIST_BLOB_STORE says (`create-blob-store.ts`).
 */
export async function createStores(config: Config, logger: Logger): Promise<Stores> {
  const blobs = await createBlobStore(config);
  if (!config.redisUrl) {
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
      close: async () => {
        await registry.close?.();
        await blobs.close();
      },
    };
  }
  const client = createRedisClient({
    url: config.redisUrl,
    keyPrefix: config.stores.redisPrefix,
    logger,
  });
  if (!(await client.ready())) logger.warn("Redis is not reachable yet: starting degraded");
  const registry = createRedisCheckpointRegistry({ client });
  return {
    cache: createRedisVerdictCache({ client }),
    keys: createRedisKeyStore({ client }),
    registry,
    promptLog: createRedisPromptLog({ client, maxLength: config.stores.promptLogMaxLength }),
    blobs,
    shadow: createRedisShadowStats(client),
    rates: createRedisRateCounter(client),
    peers: createRedisGatewayPeers(client),
    redis: client,
    status: client.status,
    async close() {
      await registry.close?.();
      await client.close();
      await blobs.close();
    },
  };
}

/** Just the key store, for the `jurist keys` CLI. */
export async function openKeyStore(config: Config, logger: Logger) {
  if (!config.redisUrl) {
    return {
      keys: createMemoryKeyStore({ file: join(config.dataDir, "keys.json") }),
      close: async () => {},
    };
  }
  const client = createRedisClient({
    url: config.redisUrl,
    keyPrefix: config.stores.redisPrefix,
    logger,
  });
  if (!(await client.ready())) {
    await client.close();
    throw new Error(`Redis at ${config.redisUrl} is not reachable`);
  }
  return { keys: createRedisKeyStore({ client }), close: () => client.close() };
}
