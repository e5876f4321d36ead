import type { Logger } from "pino";
import type { Config } from "./config.ts";
import { createPairwiseJudge } from "./core/pairwise-judge.ts";
import { startEmbeddedSims } from "./embedded-sims.ts";
import type { BackendTarget } from "./engine/backend-targets.ts";
import { createReplicaDiscovery, type ResolveAll } from "./engine/replica-discovery.ts";
import { createReplicaFleet } from "./engine/replica-fleet.ts";
import { fleetObserverFor } from "./fleet-observer.ts";
import { createImageIntake } from "./images/image-intake.ts";
import { createJudgeService } from "./judge-service.ts";
import { createMetrics } from "./metrics.ts";

export interface RuntimeOptions {
  /** DNS resolution for `dns+http://` backends; tests inject one. */
  resolveAll?: ResolveAll;
}

/**
 * Everything a gateway process runs, composed once from config and shared by the HTTP app
 * (and later the gRPC server). `close` stops it all in reverse order.
 */
export async function createRuntime(config: Config, logger: Logger, options: RuntimeOptions = {}) {
  const shutdown = new AbortController();
  let draining = false;
  const sims = config.engine.backends ? null : await startEmbeddedSims(config.sim, logger);
  const targets: BackendTarget[] = config.engine.backends
    ? [...config.engine.backends]
    : (sims?.urls ?? []).map((url) => ({ kind: "static", url }));
  const metrics = createMetrics();
  const fleet = createReplicaFleet({
    urls: [],
    settings: fleetSettings(config),
    logger,
    observer: fleetObserverFor(metrics),
  });
  metrics.observeFleet(() =>
    fleet.snapshots().map((r) => ({
      url: r.url,
      healthy: r.healthy,
      ejected: r.ejected,
      inFlight: r.inFlight,
      running: r.running,
      waiting: r.waiting,
    })),
  );
  await fleet.start();
  const discovery = createReplicaDiscovery({
    targets,
    intervalMs: config.engine.discoveryIntervalMs,
    onUrls: fleet.setReplicaUrls,
    logger,
    resolveAll: options.resolveAll,
  });
  await discovery.start();
  const intake = createImageIntake({
    maxBytes: config.images.maxBytes,
    fetchTimeoutMs: config.images.fetchTimeoutMs,
    maxRedirects: config.images.maxRedirects,
    allow: [...config.images.allow],
  });
  const judge = createPairwiseJudge({ engine: fleet, settings: config.judge });
  const isSimulated = (checkpoint: string) =>
    fleet.snapshots().some((r) => r.models.some((m) => m.id === checkpoint && m.simulated));
  const judgeService = createJudgeService({
    intake,
    judge,
    isSimulated,
    batchConcurrency: config.judge.batchConcurrency,
    logger,
    metrics,
  });

  return {
    config,
    fleet,
    discovery,
    judgeService,
    /** Every Prometheus metric of this process; `/metrics` serialises its registry. */
    metrics,
    /** True when the replicas are in-process simulations, not real judges. */
    simulated: sims !== null,
    /** Aborted when in-flight work must stop: after the drain timeout, or on close. */
    shutdownSignal: shutdown.signal,
    /** True once shutdown began: readiness is false, in-flight requests may finish. */
    isDraining: () => draining,
    beginDrain: () => {
      draining = true;
    },
    /** Cancels whatever is still in flight (engine calls see an aborted signal). */
    abortInFlight: () => shutdown.abort(new Error("server shutting down")),
    async close(): Promise<void> {
      draining = true;
      shutdown.abort(new Error("server shutting down"));
      discovery.stop();
      await fleet.close();
      await intake.close();
      await sims?.close();
    },
  };
}

function fleetSettings(config: Config) {
  const { engine, judge } = config;
  return {
    champion: judge.champion,
    connectionsPerReplica: engine.connectionsPerReplica,
    structuredOutputField: engine.structuredOutputField,
    healthIntervalMs: engine.healthIntervalMs,
    maxInFlightPerReplica: engine.maxInFlightPerReplica,
    attemptTimeoutMs: engine.attemptTimeoutMs,
    admissionWaitMs: engine.admissionWaitMs,
    admissionMaxWaiters: engine.admissionMaxWaiters,
    retryBudget: { ...engine.retryBudget },
    ejection: { ...engine.ejection },
    hedge: { ...engine.hedge },
  };
}

export type Runtime = Awaited<ReturnType<typeof createRuntime>>;
