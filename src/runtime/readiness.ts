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

/**
 * What readiness is asked about. `fleet` (the default, `GET /readyz`): can this gateway judge
 * now — it is not draining and a healthy replica serves the champion. `process`
 * (`GET /readyz?scope=process`, the Kubernetes readiness probe in deploy/k8s): is this process
 * fit to take traffic — it answers (so both transports listen and its stores are built: the
 * server builds the runtime first, then listens with gRPC, then HTTP) and is not draining,
 * whatever its replicas do. A vLLM outage then leaves the gateway pods Ready, so their
 * PodDisruptionBudget does not block node drains, while the fleet's state stays on this report
 * and in `jurist_ready{scope="fleet"}`.
 */
export const READINESS_SCOPES = ["fleet", "process"] as const;
export type ReadinessScope = (typeof READINESS_SCOPES)[number];

/** One scope's answer. */
export interface ScopeReadiness {
  ready: boolean;
  /** Why not; undefined when ready. */
  reason?: string;
}

const notReady = (reason: string): ScopeReadiness => ({ ready: false, reason });

/** Whether the gateway can judge now, and why not. */
export interface Readiness {
  /** The scope `ready` and `reason` answer for. */
  scope: ReadinessScope;
  ready: boolean;
  /** Why it is not ready in that scope; undefined when it is. */
  reason?: string;
  /** Every scope's answer, whichever was asked: neither hides the other. */
  scopes: Record<ReadinessScope, ScopeReadiness>;
  champion: string | null;
  replicas: ReplicaReadiness[];
  stores: Record<string, StoreState>;
}

/**
 * Readiness now, as the fleet scope answers it: ready exactly when a healthy replica serves the
 * champion and shutdown has not begun. `GET /readyz` and the gRPC health service both read it,
 * so they never disagree. `scopes.process` is ready exactly while shutdown has not begun;
 * `inScope` turns the report into that scope's answer.
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
  const scopes: Record<ReadinessScope, ScopeReadiness> = sources.draining()
    ? { fleet: notReady("shutting down"), process: notReady("shutting down") }
    : {
        fleet: serving ? { ready: true } : notReady("no healthy replica serves the champion"),
        process: { ready: true },
      };
  return { scope: "fleet", ...scopes.fleet, scopes, champion, replicas, stores: sources.stores() };
}

/** The same report answering for `scope`: its `ready` and `reason` are that scope's. */
export function inScope(report: Readiness, scope: ReadinessScope): Readiness {
  const { reason: _reason, ...rest } = report;
  const answer = report.scopes[scope];
  const scoped: Readiness = { ...rest, scope, ready: answer.ready };
  if (answer.reason !== undefined) scoped.reason = answer.reason;
  return scoped;
}
