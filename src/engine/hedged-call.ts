import type { Completion, CompletionRequest } from "../core/types.ts";
import type { Replica } from "./fleet-types.ts";
import { takeSlot } from "./replica-admission.ts";
import { callReplica, countTowardEjection } from "./replica-call.ts";
import { routeRequest } from "./replica-routing.ts";
import type { SessionContext } from "./session-context.ts";
import type { SessionRoute } from "./session-route.ts";

/**
 * A call to `replica` that, once it has taken longer than the configured percentile of recent
 * calls, is also sent to a second replica (within the retry budget): the first answer wins and
 * the other call is cancelled. A replica that hangs then costs its callers the hedge delay,
 * not the attempt timeout. Without hedging (or history enough) it is a plain `callReplica`.
 */
export async function hedgedCall(
  context: SessionContext,
  route: SessionRoute,
  replica: Replica,
  request: CompletionRequest,
  signal?: AbortSignal,
): Promise<Completion[]> {
  const delay = hedgeDelay(context);
  // Without hedging nothing cancels the primary but the caller: no controller to make.
  if (delay === null) return callReplica(context, route, replica, request, signal);
  const started = performance.now();
  const primaryCancel = new AbortController();
  const primary = callReplica(context, route, replica, request, signal, primaryCancel.signal);
  const timer = new Promise<"hedge">((resolve) => setTimeout(resolve, delay, "hedge").unref());
  const first = await Promise.race([
    primary.then(
      () => "primary" as const,
      () => "primary" as const,
    ),
    timer,
  ]);
  if (first === "primary") return primary;
  const second = hedgeReplica(context, route, replica);
  if (!second || !context.budget.tryRetry()) return primary;
  const hedgeCancel = new AbortController();
  takeSlot(context, second, route.priority);
  const hedge = callReplica(context, route, second, request, signal, hedgeCancel.signal);
  try {
    const winner = await Promise.any([
      primary.then((result) => ({ by: "primary" as const, result })),
      hedge.then((result) => ({ by: "hedge" as const, result })),
    ]);
    (winner.by === "primary" ? hedgeCancel : primaryCancel).abort(new Error("hedge lost"));
    context.observer.hedge(winner.by);
    if (winner.by === "hedge") lostToHedge(context, replica, performance.now() - started);
    return winner.result;
  } catch {
    return primary;
  }
}

/** How long the primary runs alone, ms; null when hedging is off or history is too short. */
function hedgeDelay(context: SessionContext): number | null {
  const { percentile, minSamples, minDelayMs } = context.settings.hedge;
  if (percentile <= 0) return null;
  const observed = context.latency.percentile(percentile, minSamples);
  return observed === null ? null : Math.max(minDelayMs, observed);
}

/**
 * Where the hedge goes: a replica with room that is neither the primary nor one the session
 * failed on. It takes no pin: the sibling order stays with the primary.
 */
function hedgeReplica(
  context: SessionContext,
  route: SessionRoute,
  primary: Replica,
): Replica | null {
  const exclude = new Set([...route.excluded, primary.url]);
  const now = Date.now();
  const admission = context.classes.admission(route.priority, now);
  return routeRequest(context.replicas(), { checkpoint: route.checkpoint, exclude, admission }, now)
    .replica;
}

/**
 * A primary that a hedge beat was cancelled, not failed, yet it was slower than nearly all
 * calls: count it toward ejection and its latency, or a stalled replica would keep drawing
 * first attempts (and spending the retry budget on hedges) for ever.
 */
function lostToHedge(context: SessionContext, replica: Replica, ms: number): void {
  replica.latencyMs = Math.max(replica.latencyMs, ms);
  countTowardEjection(context, replica);
}
