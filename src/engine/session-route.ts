import type { PriorityClass, WorkClass } from "../core/types.ts";
import type { Replica } from "./fleet-types.ts";

/**
 * Where one session's calls may go. A verdict's two orders run at once on one session, so
 * this is shared and changed by both: admission pins the first replica it routes to (the
 * sibling order then lands there and shares its prefix cache), and a failed call excludes its
 * replica and moves the pin.
 */
export interface SessionRoute {
  readonly checkpoint: string;
  /** The class every call of the session is admitted in. */
  readonly priority: PriorityClass;
  /** The work every call of the session does: picks the vLLM `priority` it carries. */
  readonly work: WorkClass;
  /** The replica the session's calls ride along on; null until routed, or after it failed. */
  pinned: Replica | null;
  /** Replicas a call of this session failed on: never routed to again by it. */
  readonly excluded: Set<string>;
  /** Sessions with the same key route alike while not pinned (see `WaitRequest.key`). */
  waitKey: string;
  /** The latest retryable failure: the answer once no replica is left to try. */
  lastFailure: unknown;
  /** Both orders of a verdict may be shed; the metric counts requests, so report once. */
  shedReported: boolean;
}

export function newSessionRoute(
  checkpoint: string,
  priority: PriorityClass,
  work: WorkClass = priority,
): SessionRoute {
  return {
    checkpoint,
    priority,
    work,
    pinned: null,
    excluded: new Set(),
    waitKey: `${priority}|${checkpoint}|`,
    lastFailure: null,
    shedReported: false,
  };
}

/** A call failed on `replica`: the session's later calls go elsewhere. */
export function excludeReplica(route: SessionRoute, replica: Replica): void {
  route.excluded.add(replica.url);
  route.waitKey = `${route.priority}|${route.checkpoint}|${[...route.excluded].sort().join(" ")}`;
  if (route.pinned === replica) route.pinned = null;
}
