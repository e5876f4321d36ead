import type { Logger } from "pino";
import type { Config } from "../config/config.ts";
import type { BackendTarget } from "../engine/backend-targets.ts";
import { type CapacitySettings, classSlots, perReplicaLimit } from "../engine/replica-capacity.ts";
import { createReplicaDiscovery, type ResolveAll } from "../engine/replica-discovery.ts";
import { createReplicaFleet, type FleetSettings } from "../engine/replica-fleet.ts";
import { fleetObserverFor } from "../metrics/fleet-observer.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { Simulation } from "./embedded-parts.ts";

export interface FleetOptions {
  /** DNS resolution for `dns+http://` backends; tests inject one. */
  resolveAll?: ResolveAll;
  /** Starts simulated replicas when no backend is configured (the CLI's embedded default). */
  simulation?: Simulation;
}

/**
 * The replica fleet from config: the configured backends (static or DNS-discovered), or
 * in-process simulated replicas when none are set, with its metrics wired.
 */
export async function createFleet(
  config: Config,
  logger: Logger,
  metrics: Metrics,
  options: FleetOptions,
) {
  const sims = config.engine.backends
    ? null
    : await startSimulatedReplicas(config, logger, options);
  const targets: BackendTarget[] = config.engine.backends
    ? [...config.engine.backends]
    : (sims?.urls ?? []).map((url) => ({ kind: "static", url }));
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
  metrics.observeAdmission((priority) => fleet.classCounts(priority));
  // Alone until the process counts its peers (gateway-peers-runtime.ts replaces the source:
  // gateways, trainers and `jurist eval` on shared replicas); a trainer or evaluation on its
  // own in-process simulated replicas stays so, and shows the limit it uses.
  metrics.peers.observe({
    gateways: () => 1,
    limit: (priority) =>
      classSlots(fleet.maxInFlightPerReplica(), priority, config.engine.priority),
  });
  await fleet.start();
  const discovery = createReplicaDiscovery({
    targets,
    intervalMs: config.engine.discoveryIntervalMs,
    onUrls: fleet.setReplicaUrls,
    logger,
    resolveAll: options.resolveAll,
  });
  await discovery.start();
  return {
    fleet,
    discovery,
    simulated: sims !== null,
    closeSims: async () => sims?.close(),
    /** Stops discovery, closes the fleet, then its simulated replicas (when it started any). */
    close: async () => {
      discovery.stop();
      await fleet.close();
      await sims?.close();
    },
  };
}

/** A fleet createFleet opened, with its discovery and the simulations it started. */
export type OpenedFleet = Awaited<ReturnType<typeof createFleet>>;

/** Completion connections per replica when `JURIST_ENGINE_CONNECTIONS` is unset. */
export function defaultConnections(config: Config): number {
  const limit = perReplicaLimit(capacitySettings(config), 1);
  return Math.min(1_024, Math.max(64, 2 * limit));
}

/** The fleet's tuning from config (exported for tests that build a fleet without a gateway). */
export function fleetSettings(config: Config): FleetSettings {
  const { engine, judge } = config;
  return {
    champion: judge.champion,
    // A connection for every call admission may let in, so admission, in class order, is the
    // only queue: past the pool's connections a call waited in its first-come queue, behind
    // batch calls whatever its class, its attempt timeout running (the old fixed 64 under the
    // lone default of 256). Admission lets in up to twice a lone gateway's limit (a pair's
    // sibling order rides along on its partner's replica, an interactive one even past the
    // limit: replica-admission.ts), and never fewer than the old 64; connections open only as
    // calls need them, so the headroom costs nothing idle.
    connectionsPerReplica: engine.connectionsPerReplica ?? defaultConnections(config),
    probeConnections: engine.probeConnections,
    keepAliveMs: engine.keepAliveMs,
    structuredOutputField: engine.structuredOutputField,
    apiKey: engine.apiKey,
    healthIntervalMs: engine.healthIntervalMs,
    // Alone until the peers are counted (gateway-peer-count.ts); a trainer's or evaluation's
    // fleet of its own in-process simulated replicas keeps it.
    maxInFlightPerReplica: perReplicaLimit(capacitySettings(config), 1),
    attemptTimeoutMs: engine.attemptTimeoutMs,
    admissionWaitMs: engine.admissionWaitMs,
    admissionMaxWaiters: engine.admissionMaxWaiters,
    priority: { ...engine.priority },
    vllmPriority: engine.vllmPriority,
    retryBudget: { ...engine.retryBudget },
    ejection: { ...engine.ejection },
    hedge: { ...engine.hedge },
  };
}

/** How a replica's capacity is shared, from config. */
export function capacitySettings(config: Config): CapacitySettings {
  const { capacity, maxInFlightPerReplica } = config.engine;
  return { maxNumSeqs: capacity.maxNumSeqs, share: capacity.share, cap: maxInFlightPerReplica };
}

async function startSimulatedReplicas(config: Config, logger: Logger, options: FleetOptions) {
  if (!config.sim.allowed) {
    throw new Error("no JURIST_BACKENDS set and simulated replicas are disabled");
  }
  if (!options.simulation) {
    throw new Error("no JURIST_BACKENDS set and no simulator in this process to stand in");
  }
  const { allowed: _allowed, ...settings } = config.sim;
  return options.simulation.startReplicas(settings, logger);
}
