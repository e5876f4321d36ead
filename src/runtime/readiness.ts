import type { ReplicaFleet } from "../engine/replica-fleet.ts";

/** A store as readiness reports it: reachable, or running on its fallback. */
export type StoreState = "ok" | "degraded";

/** Where readiness is read from; the runtime supplies each. */
export interface ReadinessSources {
  fleet: Pick<ReplicaFleet, "champion" | "snapshots">;
  /** True once shutdown began: readiness turns false so load balancers stop sending. */
  draining: () => boolean;
  /** Names and states of the stores, for the readiness report. */
  stores: () => Record<string, StoreState>;
}

/** One replica as readiness sees it. */
export interface ReplicaReadiness {
  url: string;
  healthy: boolean;
  servesChampion: boolean;
  inFlight: number;
  waiting: number;
  lastError: string | null;
}

/** Whether the gateway can judge now, and why not. */
export interface Readiness {
  ready: boolean;
  /** Why it is not ready; undefined when it is. */
  reason?: string;
  champion: string | null;
  replicas: ReplicaReadiness[];
  stores: Record<string, StoreState>;
}

/**
 * Readiness now: ready exactly when a healthy replica serves the champion and shutdown has not
 * begun. `GET /readyz` and the gRPC health service both read it, so they never disagree.
 */
export function readiness(sources: ReadinessSources): Readiness {
  const champion = sources.fleet.champion() ?? null;
  const replicas = sources.fleet.snapshots().map((r) => ({
    url: r.url,
    healthy: r.healthy,
    servesChampion: r.models.some((m) => m.id === champion),
    inFlight: r.inFlight,
    waiting: r.waiting,
    lastError: r.lastError,
  }));
  const serving = replicas.some((r) => r.healthy && r.servesChampion);
  const reason = sources.draining()
    ? "shutting down"
    : serving
      ? undefined
      : "no healthy replica serves the champion";
  const report: Readiness = { ready: !reason, champion, replicas, stores: sources.stores() };
  if (reason) report.reason = reason;
  return report;
}
