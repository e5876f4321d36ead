import type { ReplicaFleet } from "../engine/replica-fleet.ts";
import { replicaId } from "../engine/replica-id.ts";

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

/**
 * One replica as readiness sees it. `/readyz` answers without a key (probes), so it names the
 * replica by id, not URL, and carries no error text: both are in the log (src/runtime/replica-log.ts).
 */
export interface ReplicaReadiness {
  /** `r-` and 8 hex digits (src/engine/replica-id.ts); the log maps it to the URL. */
  id: string;
  healthy: boolean;
  servesChampion: boolean;
  inFlight: number;
  waiting: number;
  /** Its `GET /version`, null when unreadable or not read yet. */
  version: string | null;
  /** The field its constrained (`fast`) calls carry. */
  choiceField: string;
  /**
   * Set once the replica answered a constrained call outside its choices: it ignores the
   * field, and `fast` verdicts from it are unconstrained. Does not make the gateway unready
   * (the replica still answers); it says what to change. The answer itself is upstream model
   * output, so it goes to the log (the fleet's `replica answered a constrained call outside
   * its choices` warning), not to this open report.
   */
  unconstrained?: { count: number; lastAt: string; field: string };
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
  const replicas = sources.fleet.snapshots().map((r) => {
    const replica: ReplicaReadiness = {
      id: replicaId(r.url),
      healthy: r.healthy,
      servesChampion: r.models.some((m) => m.id === champion),
      inFlight: r.inFlight,
      waiting: r.waiting,
      version: r.version,
      choiceField: r.choiceField,
    };
    if (r.unconstrained) {
      replica.unconstrained = {
        count: r.unconstrained.count,
        lastAt: new Date(r.unconstrained.lastAt).toISOString(),
        field: r.unconstrained.field,
      };
    }
    return replica;
  });
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
