import { z } from "zod";
import { nonNegativeInt, positiveInt } from "./kinds.ts";
import { area, setting } from "./setting.ts";

export const stores = area(
  "Stores and cache",
  "Where state lives: Redis shared by every gateway, or in-process stores and files for one.",
  {
    redisUrl: setting({
      env: "REDIS_URL",
      schema: z.url({ protocol: /^rediss?$/ }),
      doc: "`redis://host:6379/0`: verdict cache, prompt log, API keys, rate limits and the checkpoint registry shared by every gateway; unset → in-process stores (one gateway only)",
    }),
    dataDir: setting({
      env: "JURIST_DATA_DIR",
      schema: z.string().min(1),
      default: "./data",
      doc: "blobs, datasets, reports, trainer state",
    }),
    stores: {
      redisPrefix: setting({
        env: "JURIST_REDIS_PREFIX",
        schema: z.string().max(64),
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
