import { AppError } from "../core/errors.ts";
import type { PriorityClass } from "../core/types.ts";
import { hasRoom } from "./class-admission.ts";
import type { Replica } from "./fleet-types.ts";
import { type Route, routeRequest } from "./replica-routing.ts";
import type { SessionContext } from "./session-context.ts";
import type { SessionRoute } from "./session-route.ts";

/** Why no replica took a call now. */
type RouteFailure = Exclude<Route<Replica>, { replica: Replica }>["reason"];

/**
 * A slot on a replica for one call of the session, taken before the call starts: the pinned
 * replica, or one routed to (which becomes the pin). When every eligible replica is full the
 * call waits for a release, as long as its class allows; then it is shed (OVERLOADED). With
 * no replica to wait for, it fails with NOT_FOUND, the session's last failure or
 * NO_HEALTHY_REPLICA.
 */
export async function acquireReplica(
  context: SessionContext,
  route: SessionRoute,
  signal?: AbortSignal,
): Promise<Replica> {
  const { priority } = route;
  context.classes.arrived(priority, Date.now());
  let outcome = tryAcquire(context, route);
  if (outcome === "full") {
    const started = performance.now();
    const waitMs =
      priority === "batch"
        ? context.settings.priority.batchAdmissionWaitMs
        : context.settings.admissionWaitMs;
    const settled = await context.waiters.wait({
      priority,
      timeoutMs: waitMs,
      signal,
      attempt: () => {
        outcome = tryAcquire(context, route);
        return outcome !== "full";
      },
      key: () => (route.pinned ? null : route.waitKey),
    });
    if (!settled) throw shed(context, route, signal);
    context.observer.admissionWait((performance.now() - started) / 1000, priority);
  }
  if (typeof outcome === "string") throw noReplica(context, route, outcome);
  return outcome;
}

/**
 * Takes a slot now if the class's admission allows. Runs synchronously and never throws: it
 * also runs inside whichever call released a slot, and the pin it sets must be seen by the
 * sibling order's attempt in the same pass.
 */
function tryAcquire(context: SessionContext, route: SessionRoute): Replica | RouteFailure {
  const now = Date.now();
  const admission = context.classes.admission(route.priority, now);
  const { pinned } = route;
  // A sibling order rides along on its partner's replica. An interactive one even past the
  // limit, so it is never shed after its partner was admitted; a batch one only where its
  // class has room, else it waits, so batch riders cannot eat the interactive reserve.
  if (pinned && usable(pinned, now)) {
    if (admission?.priority === "batch" && !hasRoom(pinned, admission)) return "full";
    takeSlot(context, pinned, route.priority);
    return pinned;
  }
  const routed = routeRequest(
    context.replicas(),
    { checkpoint: route.checkpoint, exclude: route.excluded, admission },
    now,
  );
  if (!routed.replica) return routed.reason;
  route.pinned = routed.replica;
  takeSlot(context, routed.replica, route.priority);
  return routed.replica;
}

/** Whether routing would send a call to `replica` at all (fullness aside). */
export function usable(replica: Replica, now = Date.now()): boolean {
  return replica.healthy && !replica.removed && replica.ejectedUntil <= now;
}

/** Counts a call of `priority` in `replica`'s slots and in its class's load. */
export function takeSlot(context: SessionContext, replica: Replica, priority: PriorityClass): void {
  replica.inFlight += 1;
  if (priority === "batch") replica.batchInFlight += 1;
  context.classes.took(priority);
}

/** Frees the slot `takeSlot` counted; waiting calls try again at once. */
export function releaseSlot(
  context: SessionContext,
  replica: Replica,
  priority: PriorityClass,
): void {
  replica.inFlight -= 1;
  if (priority === "batch") replica.batchInFlight -= 1;
  context.classes.released(priority);
  context.waiters.notify();
}

function shed(
  context: SessionContext,
  route: SessionRoute,
  signal: AbortSignal | undefined,
): unknown {
  if (signal?.aborted) return signal.reason;
  if (!route.shedReported) context.observer.shed("replica_capacity", route.priority);
  route.shedReported = true;
  return new AppError("OVERLOADED", "every replica serving this checkpoint is busy", {
    retryAfterSeconds: 1,
  });
}

function noReplica(context: SessionContext, route: SessionRoute, reason: RouteFailure): unknown {
  const { checkpoint, lastFailure } = route;
  if (reason === "unknown" && context.pinned) {
    return new AppError("NOT_FOUND", `checkpoint '${checkpoint}' is not served by any replica`);
  }
  // A failure is the answer while replicas this request merely excluded are still in rotation;
  // once its failures took the last ones out (refused connections, ejection), none is left.
  const serving = context.replicas().filter((r) => r.models.includes(checkpoint));
  if (lastFailure && serving.some((r) => usable(r))) return lastFailure;
  return new AppError("NO_HEALTHY_REPLICA", `no healthy replica serves '${checkpoint}'`, {
    retryAfterSeconds: Math.max(1, Math.ceil(context.settings.healthIntervalMs / 1000)),
    cause: lastFailure ?? undefined,
  });
}
