import { setMaxListeners } from "node:events";
import type { Logger } from "pino";
import { createAuthPolicy } from "../auth/auth-policy.ts";
import { createRateLimiter } from "../auth/rate-limiter.ts";
import { createPromptCollector } from "../collection/prompt-collector.ts";
import type { Config } from "../config/config.ts";
import { createInflightBytes } from "../core/inflight-bytes.ts";
import { createPairwiseJudge } from "../core/pairwise-judge.ts";
import { createImageIntake } from "../images/image-intake.ts";
import { createCachedVerdicts } from "../judge/cached-verdicts.ts";
import { createJudgeService } from "../judge/judge-service.ts";
import { createShadowJudge } from "../judge/shadow-judge.ts";
import { collectionObserverFor } from "../metrics/collection-observer-metrics.ts";
import { imageObserverFor } from "../metrics/image-observer-metrics.ts";
import { createMetrics } from "../metrics/metrics.ts";
import { createChampionSync } from "../registry/champion-sync.ts";
import { createCheckpointAdmin } from "../registry/checkpoint-admin.ts";
import { createPromotion } from "../registry/promotion.ts";
import { fleetPairLatency } from "../reward/fleet-latency.ts";
import { templateResolver } from "../reward/policy-text.ts";
import { createRewardService } from "../reward/reward-service.ts";
import { createStores } from "../store/create-stores.ts";
import { embeddedTrainerWanted, type StartEmbeddedTrainer } from "./embedded-parts.ts";
import { createFleet, type FleetOptions } from "./fleet-runtime.ts";
import { shareReplicasWithPeers } from "./gateway-peers-runtime.ts";
import { createLoadPressure } from "./load-pressure.ts";
import { readiness, type StoreState } from "./readiness.ts";
import { logReplicaErrors } from "./replica-log.ts";

export interface RuntimeOptions extends FleetOptions {
  /** The embedded trainer, started when JURIST_TRAIN_EMBEDDED asks for it (see embedded-parts). */
  startTrainer?: StartEmbeddedTrainer;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/**
 * Everything a gateway process runs, composed once from config and shared by the HTTP app
 * (and later the gRPC server). `close` stops it all in reverse order.
 */
export async function createRuntime(config: Config, logger: Logger, options: RuntimeOptions = {}) {
  const shutdown = new AbortController();
  // Every in-flight request listens on it (and lets go when it ends): many listeners, no leak.
  setMaxListeners(0, shutdown.signal);
  let draining = false;
  const metrics = createMetrics();
  // One budget for both transports' in-flight bodies, messages and decoded images.
  const inflight = createInflightBytes(config.shedding.inflightBytesBudget, () =>
    metrics.admission.shed.inc({ reason: "memory" }),
  );
  const stores = await createStores(config, logger, { redisError: metrics.redis.error });
  metrics.redis.observe(stores.redisStates, stores.legacyKeys);
  const { fleet, discovery, simulated, closeSims } = await createFleet(
    config,
    logger,
    metrics,
    options,
  );
  const peers = await shareReplicasWithPeers(config, logger, { fleet, stores, metrics, options });
  const championSync = createChampionSync({
    registry: stores.registry,
    fleet,
    preferred: config.judge.champion,
    refreshMs: config.stores.registryRefreshMs,
    logger,
  });
  await championSync.start();
  metrics.observeChampion(championSync.champion);
  const promotion = createPromotion({
    registry: stores.registry,
    fleet,
    logger,
    loadTimeoutMs: config.gates.loadTimeoutMs,
    replicaApiKey: config.engine.apiKey,
    quorum: config.gates.promotionQuorum,
    observer: metrics.promotion.observer,
    adopt: championSync.adopt,
  });
  metrics.promotion.observeCoverage(() => ({
    replicas: fleet.snapshots().map((r) => r.url),
    missing: promotion.missingChampion().map((p) => p.replica),
  }));
  const reconcile =
    config.gates.reconcileIntervalMs > 0
      ? setInterval(() => {
          promotion.reconcile().catch((error: unknown) => {
            logger.warn({ err: error }, "could not load the champion adapter where it is missing");
          });
        }, config.gates.reconcileIntervalMs)
      : undefined;
  reconcile?.unref();
  const collector = createPromptCollector({
    log: stores.promptLog,
    blobs: stores.blobs,
    settings: config.collection,
    observer: collectionObserverFor(metrics),
    logger,
  });
  metrics.collection.observe({ buffered: collector.buffered, logLength: stores.promptLog.length });
  const pairwiseJudge = createPairwiseJudge({ engine: fleet, settings: config.judge });
  const shadow = createShadowJudge({
    judge: pairwiseJudge,
    stats: stores.shadow,
    rate: config.shadow.rate,
    maxInFlight: config.shadow.maxInFlight,
    refreshMs: config.stores.registryRefreshMs,
    logger,
    observe: (event) => metrics.shadow.inc({ event }),
  });
  const intake = createImageIntake({
    maxBytes: config.images.maxBytes,
    fetchTimeoutMs: config.images.fetchTimeoutMs,
    maxRedirects: config.images.maxRedirects,
    allow: [...config.images.allow],
    budget: {
      maxPixels: config.images.maxPixels,
      maxEdge: config.images.maxEdge,
      maxInputPixels: config.images.maxInputPixels,
      maxInputEdge: config.images.maxInputEdge,
    },
    observer: imageObserverFor(metrics),
    resizeConcurrency: config.images.resizeConcurrency,
  });
  const isSimulated = (checkpoint: string) =>
    fleet.snapshots().some((r) => r.models.some((m) => m.id === checkpoint && m.simulated));
  const judgeService = createJudgeService({
    intake,
    judge: pairwiseJudge,
    isSimulated,
    batchConcurrency: config.judge.batchConcurrency,
    logger,
    observeVerdict: metrics.verdicts.record,
    cache: createCachedVerdicts({
      cache: stores.cache,
      ttlMs: config.stores.cacheTtlMs,
      logger,
      observe: (result) => metrics.cache.requests.inc({ result }),
    }),
    champion: fleet.champion,
    // Off unless a rate is set: the offer would build a task object on every fresh verdict.
    shadow: config.shadow.rate > 0 ? shadow.offer : undefined,
    collect: collector.offer,
  });
  const rewardService = createRewardService({
    intake,
    judge: pairwiseJudge,
    isSimulated,
    champion: fleet.champion,
    latency: fleetPairLatency(fleet.snapshots),
    concurrency: config.reward.concurrency,
    defaultMode: config.reward.defaultMode,
    templateOf: templateResolver(config.reward.policyTemplate, config.reward.policyMarkers),
    failureReward: config.reward.failureReward,
    logger,
    observeVerdict: metrics.verdicts.record,
  });
  const trainer =
    options.startTrainer && embeddedTrainerWanted(config, simulated)
      ? options.startTrainer({
          config,
          logger,
          fleet,
          simulated,
          stores,
          metrics,
          simulation: options.simulation,
          adopt: championSync.adopt,
        })
      : null;
  // One pressure reading and one rate budget per process, shared by HTTP and gRPC.
  const pressure = createLoadPressure({
    maxEventLoopDelayMs: config.shedding.maxEventLoopDelayMs,
    maxHeapBytes: config.shedding.maxHeapBytes,
  });
  const rateLimiter = createRateLimiter({
    perMinute: config.auth.rateLimitPerMinute,
    counter: stores.rates,
    failOpen: config.auth.rateLimitFailOpen,
    onStoreFailure: (decision) => metrics.redis.rateLimitUncounted.inc({ decision }),
  });
  const loopbackOnly = LOOPBACK.test(config.host);
  if (config.auth.mode === "off" && !loopbackOnly) {
    logger.warn(
      { host: config.host },
      "JURIST_AUTH=off on a non-loopback address: anyone can call",
    );
  }
  const auth = createAuthPolicy({
    keys: stores.keys,
    required: config.auth.mode === "required" || (config.auth.mode === "auto" && !loopbackOnly),
    // Keys in Redis are cached (revocations arrive over pub/sub); the key file is checked with
    // one stat per call, so caching it would only delay a `jurist keys revoke`.
    cacheTtlMs: stores.redis ? config.auth.keyCacheTtlMs : 0,
    publicRoutes: config.auth.publicRoutes,
    adminOrigins: config.auth.adminOrigins,
    loopbackOnly,
  });
  const replicaLog = logReplicaErrors({
    fleet,
    logger,
    intervalMs: config.engine.healthIntervalMs,
  });

  const runtime = {
    config,
    metrics,
    stores,
    fleet,
    discovery,
    /** The gateways counted sharing the replicas; the fleet's per-replica limit follows them. */
    peers,
    judgeService,
    /** Reward scores for RLHF: /v1/reward, /get_reward and gRPC Reward. */
    rewardService,
    /** Staging, promotion, rejection and rollback of checkpoints on this gateway's replicas. */
    promotion,
    admin: createCheckpointAdmin({ registry: stores.registry, promotion }),
    /** Who may call what: keys, public routes, the admin API's origins (HTTP and gRPC). */
    auth,
    /** Verdicts per key per minute, counted alike for HTTP and gRPC (in Redis when set). */
    rateLimiter,
    /** Whether the process is too loaded to take judging work (both transports shed on it). */
    pressure,
    /** True when the replicas are in-process simulations, not real judges. */
    simulated,
    /** In-flight request bytes (bodies, messages, decoded images) against their budget. */
    inflight,
    /** Aborted when in-flight work must stop: after the drain timeout, or on close. */
    shutdownSignal: shutdown.signal,
    /** True once shutdown began: readiness is false, in-flight requests may finish. */
    isDraining: () => draining,
    /** Whether the gateway can judge now, as `/readyz` and gRPC health both report it. */
    readiness: () =>
      readiness({
        fleet,
        draining: () => draining,
        // Only the shared stores in use: with no Redis there is none to call "ok". Each role
        // (`redis-state`, `redis-cache`) is reported from its own write probe.
        // Old untagged keys (a Redis not yet upgraded) show as `redis-key-layout` while they
        // remain; the gateway stays ready (src/store/legacy-key-watch.ts says why).
        stores: (): Record<string, StoreState> =>
          stores.legacyKeys().length > 0
            ? { ...stores.redisStates(), "redis-key-layout": "degraded" }
            : stores.redisStates(),
      }),
    beginDrain: () => {
      draining = true;
    },
    /** Cancels whatever is still in flight (engine calls see an aborted signal). */
    abortInFlight: () => shutdown.abort(new Error("server shutting down")),
    async close(): Promise<void> {
      draining = true;
      shutdown.abort(new Error("server shutting down"));
      clearInterval(reconcile);
      pressure.close();
      replicaLog.stop();
      auth.authenticator.close();
      championSync.stop();
      await trainer?.stop();
      discovery.stop();
      await peers.stop();
      await shadow.close();
      await collector.close();
      await fleet.close();
      await promotion.close();
      await intake.close();
      await closeSims();
      await stores.close();
    },
  };
  metrics.observeReadiness(() => {
    const { scopes } = runtime.readiness();
    return Object.fromEntries(Object.entries(scopes).map(([scope, s]) => [scope, s.ready]));
  });
  return runtime;
}

export type Runtime = Awaited<ReturnType<typeof createRuntime>>;
