import type { Logger } from "pino";
import type { Config } from "../config/config.ts";
import { classSlots, perReplicaLimit } from "../engine/replica-capacity.ts";
import type { ReplicaFleet } from "../engine/replica-fleet.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { Stores } from "../store/create-stores.ts";
import type { FleetOptions, OpenedFleet } from "./fleet-runtime.ts";
import { capacitySettings } from "./fleet-runtime.ts";
import { createGatewayPeerCount } from "./gateway-peer-count.ts";

export interface PeerParts {
  fleet: ReplicaFleet;
  stores: Pick<Stores, "peers">;
  metrics: Metrics;
  options: Pick<FleetOptions, "resolveAll">;
  /**
   * This process's entry among the peers (default: one per process). A trainer or an
   * evaluation sends its own calls to the replicas from its own fleet, so it beats into the
   * same set as the gateways and takes a part like one (docs/operations.md).
   */
  id?: string | undefined;
}

/**
 * Counts the peers sharing the replicas (gateways, and the trainer and evaluation processes
 * that run fleets of their own) and keeps the fleet's per-replica limit at this
 * process's part of their capacity (src/engine/replica-capacity.ts), recomputed on every count;
 * the metrics show the count, the limit per class and the failed counts. Resolves once the
 * first count is in.
 */
export async function shareReplicasWithPeers(config: Config, logger: Logger, parts: PeerParts) {
  const { fleet, metrics } = parts;
  const capacity = capacitySettings(config);
  let logged: number | undefined;
  const count = createGatewayPeerCount({
    discovery: config.engine.peers.discovery,
    intervalMs: config.engine.peers.intervalMs,
    store: parts.stores.peers,
    id: parts.id,
    resolveAll: parts.options.resolveAll,
    logger,
    onFailure: () => metrics.peers.failures.inc(),
    onCount(gateways) {
      const limit = perReplicaLimit(capacity, gateways);
      fleet.setMaxInFlightPerReplica(limit);
      if (limit === logged) return;
      logged = limit;
      logger.info(
        {
          gateways,
          limit,
          maxNumSeqs: capacity.maxNumSeqs,
          share: capacity.share,
          cap: capacity.cap,
        },
        "per-replica limit set from the gateways counted",
      );
    },
  });
  metrics.peers.observe({
    gateways: count.gateways,
    limit: (priority) =>
      classSlots(fleet.maxInFlightPerReplica(), priority, config.engine.priority),
  });
  await count.start();
  return count;
}

/**
 * A process with a fleet of its own (a trainer, `jurist eval`) counts among the gateways'
 * peers while it is open, unless its replicas are its own in-process simulations: no gateway
 * shares those (null then). If joining fails it closes the fleet and the stores, then throws.
 */
export async function shareOwnFleetWithPeers(
  config: Config,
  logger: Logger,
  parts: { opened: OpenedFleet; stores: Stores; metrics: Metrics; id: string },
) {
  const { opened, stores } = parts;
  if (opened.simulated) return null;
  return shareReplicasWithPeers(config, logger, {
    fleet: opened.fleet,
    stores,
    metrics: parts.metrics,
    options: {},
    id: parts.id,
  }).catch(async (error: unknown) => {
    await opened.close();
    await stores.close();
    throw error;
  });
}
