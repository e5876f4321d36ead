import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { z } from "zod";
import { type BackendTarget, parseBackendTarget } from "../engine/backend-targets.ts";
import type { BenchmarkFormat } from "./benchmark-formats.ts";
import { DEFAULT_GATES, type Gate, gatesSetting } from "./gate-policy.ts";

/**
 * The one configuration schema. Read from the environment, optionally layered over a JSON
 * file named by JURIST_CONFIG (same variable names as keys; the environment wins). Parsed once
 * at start into a deeply frozen object; every problem is listed at once on failure.
 */

const csv = z.string().transform((value) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

const bool = z
  .union([z.boolean(), z.enum(["true", "false", "1", "0"])])
  .transform((value) => value === true || value === "true" || value === "1");

const backendTarget = z.string().transform((entry, context): BackendTarget => {
  const target = parseBackendTarget(entry);
  if (typeof target === "string") {
    context.addIssue({ code: "custom", message: target });
    return z.NEVER;
  }
  return target;
});

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const probability = z.coerce.number().min(0).max(1);

const flatSchema = z.object({
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: port.default(8080),
  GRPC_PORT: port.default(50051),
  JURIST_GRPC_STREAM_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  JURIST_GRPC_MAX_MESSAGE_BYTES: positiveInt.default(64 * 1024 * 1024),
  JURIST_GRPC_REQUEST_TIMEOUT_MS: positiveInt.default(60_000),
  JURIST_BACKENDS: csv.pipe(z.array(backendTarget).min(1)).optional(),
  JURIST_SIM_REPLICAS: z.coerce.number().int().min(1).max(16).default(2),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  JURIST_DATA_DIR: z.string().min(1).default("./data"),
  JURIST_CHAMPION: z.string().min(1).optional(),
  JURIST_LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info"),
  JURIST_BODY_LIMIT_BYTES: positiveInt.default(64 * 1024 * 1024),
  JURIST_REQUEST_TIMEOUT_MS: positiveInt.default(60_000),
  JURIST_IMAGE_MAX_BYTES: positiveInt.default(20 * 1024 * 1024),
  JURIST_IMAGE_FETCH_TIMEOUT_MS: positiveInt.default(10_000),
  JURIST_IMAGE_MAX_REDIRECTS: z.coerce.number().int().min(0).max(10).default(3),
  JURIST_IMAGE_FETCH_ALLOW: csv.default([]),
  JURIST_TIE_MARGIN: z.coerce.number().min(0).max(0.5).default(0.1),
  JURIST_JUDGE_TEMPERATURE: z.coerce.number().min(0).max(2).default(0),
  JURIST_RETRY_TEMPERATURE: z.coerce.number().min(0).max(2).default(0.7),
  JURIST_JUDGE_MAX_TOKENS: positiveInt.default(1024),
  JURIST_TOP_LOGPROBS: z.coerce.number().int().min(5).max(20).default(5),
  JURIST_STRUCTURED_OUTPUT_FIELD: z
    .enum(["structured_outputs", "guided_choice"])
    .default("structured_outputs"),
  JURIST_BATCH_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  JURIST_REWARD_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  JURIST_REWARD_MODE: z.enum(["reasoned", "fast"]).default("reasoned"),
  JURIST_ENGINE_CONNECTIONS: z.coerce.number().int().min(1).max(1024).default(64),
  JURIST_HEALTH_INTERVAL_MS: positiveInt.default(2_000),
  JURIST_DISCOVERY_INTERVAL_MS: positiveInt.default(5_000),
  JURIST_REPLICA_MAX_CONCURRENCY: positiveInt.default(128),
  JURIST_ATTEMPT_TIMEOUT_MS: positiveInt.default(30_000),
  JURIST_ADMISSION_WAIT_MS: z.coerce.number().int().min(0).default(250),
  JURIST_ADMISSION_MAX_WAITERS: z.coerce.number().int().min(0).default(256),
  JURIST_PRIORITY_CLASSES: bool.default(true),
  JURIST_PRIORITY_INTERACTIVE_RESERVE: probability.default(0.25),
  JURIST_PRIORITY_IDLE_MS: z.coerce.number().int().min(0).default(10_000),
  JURIST_BATCH_ADMISSION_WAIT_MS: z.coerce.number().int().min(0).default(30_000),
  JURIST_BATCH_ADMISSION_MAX_WAITERS: z.coerce.number().int().min(0).default(1_024),
  JURIST_RETRY_BUDGET_RATIO: z.coerce.number().min(0).max(1).default(0.2),
  JURIST_RETRY_BUDGET_WINDOW_MS: positiveInt.default(10_000),
  JURIST_RETRY_MIN_PER_WINDOW: z.coerce.number().int().min(0).default(10),
  JURIST_EJECTION_FAILURES: positiveInt.default(3),
  JURIST_EJECTION_BASE_MS: positiveInt.default(5_000),
  JURIST_EJECTION_MAX_MS: positiveInt.default(120_000),
  JURIST_HEDGE_PERCENTILE: z.coerce.number().min(0).max(99.9).default(0),
  JURIST_HEDGE_MIN_DELAY_MS: z.coerce.number().int().min(0).default(50),
  JURIST_HEDGE_MIN_SAMPLES: z.coerce.number().int().min(1).max(512).default(50),
  JURIST_DRAIN_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  JURIST_MAX_EVENT_LOOP_DELAY_MS: z.coerce.number().int().min(0).default(1_000),
  JURIST_MAX_HEAP_BYTES: z.coerce.number().int().min(0).default(0),
  JURIST_HEAP_GROWTH_PERCENT: z.coerce.number().int().min(0).max(1_000).default(100),
  JURIST_SIM_SEED: z.coerce.number().int().default(0),
  JURIST_SIM_ACCURACY: probability.default(0.8),
  JURIST_SIM_POSITION_BIAS: probability.default(0.1),
  JURIST_SIM_LATENCY_MS: z.coerce.number().min(0).default(20),
  JURIST_ALLOW_SIMULATED: bool.default(true),
  JURIST_REDIS_PREFIX: z.string().max(64).default("jurist:"),
  JURIST_AUTH: z.enum(["auto", "required", "off"]).default("auto"),
  JURIST_KEY_CACHE_TTL_MS: z.coerce.number().int().min(0).default(60_000),
  JURIST_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(0),
  JURIST_RATE_LIMIT_FAIL_OPEN: bool.default(true),
  JURIST_CACHE_TTL_MS: z.coerce.number().int().min(0).default(86_400_000),
  JURIST_CACHE_MAX_ENTRIES: positiveInt.default(10_000),
  JURIST_COLLECT_RATE: probability.default(0.1),
  JURIST_COLLECT_TENANT_RATES: csv
    .pipe(z.array(z.string().regex(/^[^=\s]+=(0(\.\d+)?|1(\.0+)?)$/, "expected tenant=rate")))
    .transform((pairs) =>
      Object.fromEntries(pairs.map((pair) => [pair.split("=")[0]!, Number(pair.split("=")[1])])),
    )
    .default({}),
  JURIST_COLLECT_DEDUP_WINDOW_MS: positiveInt.default(86_400_000),
  JURIST_COLLECT_MAX_BUFFER: positiveInt.default(2_000),
  JURIST_COLLECT_FLUSH_MS: positiveInt.default(200),
  JURIST_COLLECT_MAX_BATCH: positiveInt.default(100),
  JURIST_PROMPT_LOG_MAX_LENGTH: positiveInt.default(1_000_000),
  JURIST_REGISTRY_REFRESH_MS: positiveInt.default(1_000),
  JURIST_TRAIN_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(8),
  JURIST_TRAIN_SEED: z.coerce.number().int().min(0).default(0),
  JURIST_TRAIN_HOLDOUT_FRACTION: probability.default(0.05),
  JURIST_TRAIN_SEED_PROMPTS: csv.default([]),
  JURIST_TRAIN_MIN_NEW_PROMPTS: positiveInt.default(1_000),
  JURIST_TRAIN_MAX_PROMPTS: positiveInt.default(50_000),
  JURIST_TRAIN_POLL_MS: positiveInt.default(30_000),
  JURIST_TRAIN_CONSUMER: z.string().min(1).max(128).default(hostname()),
  JURIST_TRAIN_EMBEDDED: z.enum(["auto", "true", "false"]).default("auto"),
  JURIST_TRAIN_METRICS_PORT: port.default(9464),
  JURIST_BENCHMARKS: csv
    .pipe(
      z.array(
        z
          .string()
          .regex(
            /^[a-z0-9_-]+=(vlrb|mmrb|rewardbench|jurist):.+$/,
            "expected name=format:path with format vlrb, mmrb, rewardbench or jurist",
          ),
      ),
    )
    .transform((entries) =>
      entries.map((entry) => {
        const [name, rest] = [
          entry.slice(0, entry.indexOf("=")),
          entry.slice(entry.indexOf("=") + 1),
        ];
        const format = rest.slice(0, rest.indexOf(":")) as BenchmarkFormat;
        return { name, format, path: rest.slice(rest.indexOf(":") + 1) };
      }),
    )
    .default([]),
  JURIST_GATES: gatesSetting,
  JURIST_GATE_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  JURIST_GATE_UNPARSEABLE: z.enum(["wrong", "exclude", "random"]).default("wrong"),
  JURIST_GATE_BOOTSTRAP_RESAMPLES: z.coerce.number().int().min(100).max(100_000).default(2_000),
  JURIST_AUTO_PROMOTE: bool.default(true),
  JURIST_PROMOTION_LOAD_TIMEOUT_MS: positiveInt.default(60_000),
  JURIST_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(0).default(15_000),
  JURIST_SHADOW_RATE: probability.default(0),
  JURIST_SHADOW_MAX_WAIT_MS: z.coerce.number().int().min(0).default(600_000),
  JURIST_SHADOW_MAX_IN_FLIGHT: positiveInt.default(16),
  JURIST_FINE_TUNE_COMMAND: z
    .string()
    .min(1)
    .default(
      "node bin/jurist.js sim fine-tune --dataset {dataset} --output {output} --init {init} --base-model {base_model}",
    ),
});

type FlatConfig = z.infer<typeof flatSchema>;

function structure(flat: FlatConfig) {
  return {
    host: flat.HOST,
    port: flat.PORT,
    grpcPort: flat.GRPC_PORT,
    redisUrl: flat.REDIS_URL,
    dataDir: flat.JURIST_DATA_DIR,
    logLevel: flat.JURIST_LOG_LEVEL,
    grpc: {
      /**
       * Items one PairwiseStream judges at once; at the bound the server stops reading the
       * stream, so flow control slows the sender.
       */
      streamConcurrency: flat.JURIST_GRPC_STREAM_CONCURRENCY,
      /** Largest message received, bytes; larger → RESOURCE_EXHAUSTED. */
      maxMessageBytes: flat.JURIST_GRPC_MAX_MESSAGE_BYTES,
      /** Longest one call (each stream item) may take whatever the client's deadline, ms. */
      requestTimeoutMs: flat.JURIST_GRPC_REQUEST_TIMEOUT_MS,
    },
    http: {
      /** Largest request body accepted, bytes; larger → 413 PAYLOAD_TOO_LARGE. */
      bodyLimitBytes: flat.JURIST_BODY_LIMIT_BYTES,
      /** Deadline for one judging request end to end, ms; past it → 504 UPSTREAM_TIMEOUT. */
      requestTimeoutMs: flat.JURIST_REQUEST_TIMEOUT_MS,
    },
    images: {
      maxBytes: flat.JURIST_IMAGE_MAX_BYTES,
      fetchTimeoutMs: flat.JURIST_IMAGE_FETCH_TIMEOUT_MS,
      maxRedirects: flat.JURIST_IMAGE_MAX_REDIRECTS,
      /** IPs or CIDRs image URLs may resolve to even though loopback or private. */
      allow: flat.JURIST_IMAGE_FETCH_ALLOW,
    },
    judge: {
      /** Champion checkpoint id; unset → the base model the first healthy replica serves. */
      champion: flat.JURIST_CHAMPION,
      tieMargin: flat.JURIST_TIE_MARGIN,
      temperature: flat.JURIST_JUDGE_TEMPERATURE,
      retryTemperature: flat.JURIST_RETRY_TEMPERATURE,
      maxTokens: flat.JURIST_JUDGE_MAX_TOKENS,
      topLogprobs: flat.JURIST_TOP_LOGPROBS,
      batchConcurrency: flat.JURIST_BATCH_CONCURRENCY,
    },
    reward: {
      /** Pairs of one reward request judged at once (each pair is two engine calls). */
      concurrency: flat.JURIST_REWARD_CONCURRENCY,
      /** Judge mode of reward requests that name none, and of every /get_reward item. */
      defaultMode: flat.JURIST_REWARD_MODE,
    },
    engine: {
      /** vLLM replicas (static URLs or DNS names); undefined → in-process simulated replicas. */
      backends: flat.JURIST_BACKENDS,
      /** How often `dns+http://` backends are re-resolved, ms. */
      discoveryIntervalMs: flat.JURIST_DISCOVERY_INTERVAL_MS,
      /** Request field for constrained choice: vLLM ≥ 0.10.2 `structured_outputs`, older `guided_choice`. */
      structuredOutputField: flat.JURIST_STRUCTURED_OUTPUT_FIELD,
      /** Keep-alive connections per replica. */
      connectionsPerReplica: flat.JURIST_ENGINE_CONNECTIONS,
      healthIntervalMs: flat.JURIST_HEALTH_INTERVAL_MS,
      maxInFlightPerReplica: flat.JURIST_REPLICA_MAX_CONCURRENCY,
      attemptTimeoutMs: flat.JURIST_ATTEMPT_TIMEOUT_MS,
      admissionWaitMs: flat.JURIST_ADMISSION_WAIT_MS,
      admissionMaxWaiters: flat.JURIST_ADMISSION_MAX_WAITERS,
      priority: {
        /** False: admission ignores the class (one limit, one queue); waits stay per class. */
        enabled: flat.JURIST_PRIORITY_CLASSES,
        /** Share of each replica's slots batch calls leave free while interactive traffic is about. */
        interactiveReserve: flat.JURIST_PRIORITY_INTERACTIVE_RESERVE,
        /** The reserve is lent to batch after this long without interactive calls, ms. */
        idleMs: flat.JURIST_PRIORITY_IDLE_MS,
        batchAdmissionWaitMs: flat.JURIST_BATCH_ADMISSION_WAIT_MS,
        batchAdmissionMaxWaiters: flat.JURIST_BATCH_ADMISSION_MAX_WAITERS,
      },
      retryBudget: {
        ratio: flat.JURIST_RETRY_BUDGET_RATIO,
        windowMs: flat.JURIST_RETRY_BUDGET_WINDOW_MS,
        minRetriesPerWindow: flat.JURIST_RETRY_MIN_PER_WINDOW,
      },
      ejection: {
        consecutiveFailures: flat.JURIST_EJECTION_FAILURES,
        baseMs: flat.JURIST_EJECTION_BASE_MS,
        maxMs: flat.JURIST_EJECTION_MAX_MS,
      },
      hedge: {
        percentile: flat.JURIST_HEDGE_PERCENTILE,
        /** Recent latencies needed before hedging starts (the tracker keeps the last 512). */
        minSamples: flat.JURIST_HEDGE_MIN_SAMPLES,
        minDelayMs: flat.JURIST_HEDGE_MIN_DELAY_MS,
      },
    },
    stores: {
      /** Every Redis key starts with this, so one Redis can serve several deployments. */
      redisPrefix: flat.JURIST_REDIS_PREFIX,
      cacheTtlMs: flat.JURIST_CACHE_TTL_MS,
      cacheMaxEntries: flat.JURIST_CACHE_MAX_ENTRIES,
      promptLogMaxLength: flat.JURIST_PROMPT_LOG_MAX_LENGTH,
      /** How often the champion is re-read besides the change events, ms (events may be missed). */
      registryRefreshMs: flat.JURIST_REGISTRY_REFRESH_MS,
    },
    auth: {
      /** `auto`: required when HOST is not a loopback address. */
      mode: flat.JURIST_AUTH,
      keyCacheTtlMs: flat.JURIST_KEY_CACHE_TTL_MS,
      /** Requests per key (or client IP without a key) per minute; 0 = no limit. */
      rateLimitPerMinute: flat.JURIST_RATE_LIMIT_PER_MINUTE,
      /** When Redis cannot count: true lets requests through, false refuses them. */
      rateLimitFailOpen: flat.JURIST_RATE_LIMIT_FAIL_OPEN,
    },
    collection: {
      defaultRate: flat.JURIST_COLLECT_RATE,
      /** Per-tenant sampling rates; 0 opts a tenant out. */
      tenantRates: flat.JURIST_COLLECT_TENANT_RATES as Record<string, number>,
      dedupWindowMs: flat.JURIST_COLLECT_DEDUP_WINDOW_MS,
      maxBuffer: flat.JURIST_COLLECT_MAX_BUFFER,
      flushIntervalMs: flat.JURIST_COLLECT_FLUSH_MS,
      /** Records per prompt log append; a full batch is written without waiting for the timer. */
      maxBatch: flat.JURIST_COLLECT_MAX_BATCH,
    },
    shedding: {
      /** Event-loop delay past which requests get 503 OVERLOADED, ms; 0 = off. */
      maxEventLoopDelayMs: flat.JURIST_MAX_EVENT_LOOP_DELAY_MS,
      /** Heap use past which requests get 503 OVERLOADED, bytes; 0 = 90% of V8's limit. */
      maxHeapBytes: flat.JURIST_MAX_HEAP_BYTES,
      /**
       * How far V8 lets the heap grow past what the last full collection kept before the next
       * one, percent (V8's --heap-growing-percent); 0 = V8's own factor, up to 4× under load.
       */
      heapGrowthPercent: flat.JURIST_HEAP_GROWTH_PERCENT,
      /** How long in-flight requests may take to finish after SIGTERM, ms. */
      drainTimeoutMs: flat.JURIST_DRAIN_TIMEOUT_MS,
    },
    trainer: {
      /** Engine calls in flight at most during synthesis and judge filtering. */
      concurrency: flat.JURIST_TRAIN_CONCURRENCY,
      /** Seeds every sampled request and seeded choice of an iteration. */
      seed: flat.JURIST_TRAIN_SEED,
      /** Share of prompts held out (by content hash) and never trained on. */
      holdoutFraction: flat.JURIST_TRAIN_HOLDOUT_FRACTION,
      /**
       * Fine-tune command template, run without a shell (split on whitespace); placeholders
       * {dataset} {output} {init} {base_model}; an empty {init} drops it and the flag before it.
       * The default is the SIMULATED fine-tune.
       */
      fineTuneCommand: flat.JURIST_FINE_TUNE_COMMAND,
      /** Seed prompt files the worker adds to every iteration (JSONL `{ id?, question, images }`). */
      seedPrompts: flat.JURIST_TRAIN_SEED_PROMPTS,
      /** Collected prompts the trainer's consumer group has not taken that start an iteration. */
      minNewPrompts: flat.JURIST_TRAIN_MIN_NEW_PROMPTS,
      /** Collected prompts one iteration takes at most. */
      maxPrompts: flat.JURIST_TRAIN_MAX_PROMPTS,
      /** How often the worker checks the backlog, ms. */
      pollMs: flat.JURIST_TRAIN_POLL_MS,
      /** The consumer name in the prompt stream's `trainer` group (stable across restarts). */
      consumer: flat.JURIST_TRAIN_CONSUMER,
      /** `auto`: `serve` runs the trainer in-process when it runs on simulated replicas. */
      embedded: flat.JURIST_TRAIN_EMBEDDED,
      /** The `jurist trainer` worker's /metrics and /healthz port; 0 = none. */
      metricsPort: flat.JURIST_TRAIN_METRICS_PORT,
    },
    /**
     * Benchmark files by name (`name=format:path`): the contamination guard drops training
     * prompts matching any of their items, and the gates evaluate on them.
     */
    benchmarks: flat.JURIST_BENCHMARKS,
    gates: {
      /** The policy: every gate must pass for a candidate to be promoted. */
      policy: (flat.JURIST_GATES ?? DEFAULT_GATES) as Gate[],
      /** Whether the policy was configured (false: the defaults). */
      configured: flat.JURIST_GATES !== undefined,
      /** Benchmark items judged at once per checkpoint. */
      concurrency: flat.JURIST_GATE_CONCURRENCY,
      unparseable: flat.JURIST_GATE_UNPARSEABLE,
      bootstrapResamples: flat.JURIST_GATE_BOOTSTRAP_RESAMPLES,
      /** The trainer promotes a candidate that passes every gate (false: it only reports). */
      autoPromote: flat.JURIST_AUTO_PROMOTE,
      /** How long replicas may take to load a candidate before promotion gives up, ms. */
      loadTimeoutMs: flat.JURIST_PROMOTION_LOAD_TIMEOUT_MS,
      /** How often the champion's LoRA adapter is re-loaded where a replica lost it, ms; 0 = off. */
      reconcileIntervalMs: flat.JURIST_RECONCILE_INTERVAL_MS,
    },
    shadow: {
      /** Share of live verdicts also judged by the staged candidate, off the critical path. */
      rate: flat.JURIST_SHADOW_RATE,
      /** How long a shadow gate waits for its minimum of shadow verdicts, ms. */
      maxWaitMs: flat.JURIST_SHADOW_MAX_WAIT_MS,
      /** Shadow judgements in flight at most; more are dropped (and counted), never queued. */
      maxInFlight: flat.JURIST_SHADOW_MAX_IN_FLIGHT,
    },
    sim: {
      replicas: flat.JURIST_SIM_REPLICAS,
      seed: flat.JURIST_SIM_SEED,
      accuracy: flat.JURIST_SIM_ACCURACY,
      positionBias: flat.JURIST_SIM_POSITION_BIAS,
      latencyMs: flat.JURIST_SIM_LATENCY_MS,
      /** false refuses to start on simulated replicas (a production guard). */
      allowed: flat.JURIST_ALLOW_SIMULATED,
    },
  };
}

export type Config = DeepReadonly<ReturnType<typeof structure>>;

type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** Raised when configuration is invalid; `problems` lists every one. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** The variable names the schema knows, for docs and for ignoring unrelated env entries. */
export const CONFIG_VARIABLES = Object.keys(flatSchema.shape);

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError([`JURIST_CONFIG: cannot read ${path}: ${(error as Error).message}`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([`JURIST_CONFIG: ${path} is not JSON: ${(error as Error).message}`]);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError([`JURIST_CONFIG: ${path} must hold a JSON object`]);
  }
  const unknownKeys = Object.keys(parsed).filter((key) => !CONFIG_VARIABLES.includes(key));
  if (unknownKeys.length > 0) {
    throw new ConfigError(unknownKeys.map((key) => `JURIST_CONFIG: unknown key ${key} in ${path}`));
  }
  return parsed as Record<string, unknown>;
}

function fromEnvironment(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const name of CONFIG_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== "") picked[name] = value;
  }
  return picked;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Parses configuration from `env` (default `process.env`), layered over the JSON file named
 * by `JURIST_CONFIG`. Throws ConfigError listing every problem.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const file = env.JURIST_CONFIG ? readConfigFile(env.JURIST_CONFIG) : {};
  const result = flatSchema.safeParse({ ...file, ...fromEnvironment(env) });
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join(".") || "config"}: ${issue.message}`),
    );
  }
  return deepFreeze(structure(result.data)) as Config;
}
