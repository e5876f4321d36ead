import { AppError } from "../core/errors.ts";
import type { Completion, CompletionRequest, EngineSession, PriorityClass } from "../core/types.ts";
import type { CapacityWaiters } from "./capacity-waiters.ts";
import { hasRoom } from "./class-admission.ts";
import type { ClassLoad } from "./class-load.ts";
import { EngineCallError, retryReasonOf } from "./engine-errors.ts";
import type { FleetObserver, FleetSettings, Replica } from "./fleet-types.ts";
import type { createLatencyTracker } from "./latency-tracker.ts";
import { recordFailure, recordSuccess } from "./outlier-ejection.ts";
import { type Route, routeRequest } from "./replica-routing.ts";
import type { RetryBudget } from "./retry-budget.ts";

/** What sessions share with the fleet that created them. */
export interface SessionContext {
  replicas: () => readonly Replica[];
  settings: FleetSettings;
  budget: RetryBudget;
  latency: ReturnType<typeof createLatencyTracker>;
  waiters: CapacityWaiters;
  classes: ClassLoad;
  observer: FleetObserver;
  /** Whether the caller pinned the checkpoint (an unknown pin is a 404, not a 503). */
  pinned: boolean;
}

const LATENCY_SMOOTHING = 0.2;

/** Why no replica took a call now. */
type RouteFailure = Exclude<Route<Replica>, { replica: Replica }>["reason"];

/**
 * One verdict's handle on the fleet. The first call picks a replica (waiting for a free slot,
 * as long as its priority class allows) and pins it, so the sibling order lands on the same
 * replica and shares its prefix cache. A call that fails with a connect error, a 5xx or its
 * attempt timeout is retried on a replica it has not failed on, while the retry budget allows;
 * the pin moves with it. Every call of the session is admitted in `priority`'s class.
 */
export function createEngineSession(
  context: SessionContext,
  checkpoint: string,
  priority: PriorityClass = "interactive",
): EngineSession {
  const excluded = new Set<string>();
  /** Sessions with the same key route alike while not pinned (see `WaitRequest.key`). */
  let waitKey = `${priority}|${checkpoint}|`;
  let pinned: Replica | null = null;
  let lastFailure: unknown = null;
  let shedReported = false;

  async function complete(request: CompletionRequest, signal?: AbortSignal) {
    context.budget.recordAttempt();
    for (;;) {
      const replica = await acquire(signal);
      try {
        return await callWithHedge(replica, request, signal);
      } catch (error) {
        const reason = retryReasonOf(error);
        if (!reason || signal?.aborted) throw error;
        lastFailure = error;
        excluded.add(replica.url);
        waitKey = `${priority}|${checkpoint}|${[...excluded].sort().join(" ")}`;
        if (pinned === replica) pinned = null;
        if (!context.budget.tryRetry()) {
          context.observer.retryBudgetExhausted();
          throw error;
        }
        context.observer.retry(reason);
      }
    }
  }

  function usable(replica: Replica, now = Date.now()): boolean {
    return replica.healthy && !replica.removed && replica.ejectedUntil <= now;
  }

  async function acquire(signal?: AbortSignal): Promise<Replica> {
    context.classes.arrived(priority, Date.now());
    let outcome = tryAcquire();
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
          outcome = tryAcquire();
          return outcome !== "full";
        },
        key: () => (pinned ? null : waitKey),
      });
      if (!settled) throw shed(signal);
      context.observer.admissionWait((performance.now() - started) / 1000, priority);
    }
    if (typeof outcome === "string") throw noReplica(outcome);
    return outcome;
  }

  /** Takes a slot now if the class's admission allows; runs synchronously, never throws. */
  function tryAcquire(): Replica | RouteFailure {
    const now = Date.now();
    const admission = context.classes.admission(priority, now);
    // A sibling order rides along on its partner's replica. An interactive one even past the
    // limit, so it is never shed after its partner was admitted; a batch one only where its
    // class has room, else it waits, so batch riders cannot eat the interactive reserve.
    if (pinned && usable(pinned, now)) {
      if (admission?.priority === "batch" && !hasRoom(pinned, admission)) return "full";
      take(pinned);
      return pinned;
    }
    const route = routeRequest(
      context.replicas(),
      { checkpoint, exclude: excluded, admission },
      now,
    );
    if (!route.replica) return route.reason;
    pinned = route.replica;
    take(route.replica);
    return route.replica;
  }

  function take(replica: Replica): void {
    replica.inFlight += 1;
    if (priority === "batch") replica.batchInFlight += 1;
    context.classes.took(priority);
  }

  function release(replica: Replica): void {
    replica.inFlight -= 1;
    if (priority === "batch") replica.batchInFlight -= 1;
    context.classes.released(priority);
    context.waiters.notify();
  }

  function shed(signal: AbortSignal | undefined): unknown {
    if (signal?.aborted) return signal.reason;
    // Both orders of a verdict may be shed; the metric counts requests, so report once.
    if (!shedReported) context.observer.shed("replica_capacity", priority);
    shedReported = true;
    return new AppError("OVERLOADED", "every replica serving this checkpoint is busy", {
      retryAfterSeconds: 1,
    });
  }

  function noReplica(reason: RouteFailure): unknown {
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

  async function callWithHedge(
    replica: Replica,
    request: CompletionRequest,
    signal?: AbortSignal,
  ): Promise<Completion[]> {
    const delay = hedgeDelay();
    // Without hedging nothing cancels the primary but the caller: no controller to make.
    if (delay === null) return callReplica(replica, request, signal);
    const started = performance.now();
    const primaryCancel = new AbortController();
    const primary = callReplica(replica, request, signal, primaryCancel.signal);
    const timer = new Promise<"hedge">((resolve) => setTimeout(resolve, delay, "hedge").unref());
    const first = await Promise.race([
      primary.then(
        () => "primary" as const,
        () => "primary" as const,
      ),
      timer,
    ]);
    if (first === "primary") return primary;
    const second = pickHedge(replica);
    if (!second || !context.budget.tryRetry()) return primary;
    const hedgeCancel = new AbortController();
    take(second);
    const hedge = callReplica(second, request, signal, hedgeCancel.signal);
    try {
      const winner = await Promise.any([
        primary.then((result) => ({ by: "primary" as const, result })),
        hedge.then((result) => ({ by: "hedge" as const, result })),
      ]);
      (winner.by === "primary" ? hedgeCancel : primaryCancel).abort(new Error("hedge lost"));
      context.observer.hedge(winner.by);
      if (winner.by === "hedge") lostToHedge(replica, performance.now() - started);
      return winner.result;
    } catch {
      return primary;
    }
  }

  function hedgeDelay(): number | null {
    const { percentile, minSamples, minDelayMs } = context.settings.hedge;
    if (percentile <= 0) return null;
    const observed = context.latency.percentile(percentile, minSamples);
    return observed === null ? null : Math.max(minDelayMs, observed);
  }

  function pickHedge(primary: Replica): Replica | null {
    const exclude = new Set([...excluded, primary.url]);
    const now = Date.now();
    const admission = context.classes.admission(priority, now);
    return routeRequest(context.replicas(), { checkpoint, exclude, admission }, now).replica;
  }

  async function callReplica(
    replica: Replica,
    request: CompletionRequest,
    signal: AbortSignal | undefined,
    cancel?: AbortSignal,
  ): Promise<Completion[]> {
    const controller = new AbortController();
    const follow = () => controller.abort(signal?.aborted ? signal.reason : cancel?.reason);
    signal?.addEventListener("abort", follow, { once: true });
    cancel?.addEventListener("abort", follow, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error("attempt timeout"));
    }, context.settings.attemptTimeoutMs);
    const started = performance.now();
    try {
      const result = await replica.client.chat(checkpoint, request, controller.signal);
      succeeded(replica, performance.now() - started);
      return result;
    } catch (error) {
      const seconds = (performance.now() - started) / 1000;
      if (timedOut && !signal?.aborted && !cancel?.aborted) {
        const timeout = new EngineCallError(
          "timeout",
          "UPSTREAM_TIMEOUT",
          "the judge engine did not answer in time",
          error,
        );
        failed(replica, timeout, seconds);
        throw timeout;
      }
      if (signal?.aborted || cancel?.aborted)
        context.observer.call(replica.url, "cancelled", seconds);
      else failed(replica, error, seconds);
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", follow);
      cancel?.removeEventListener("abort", follow);
      release(replica);
    }
  }

  /**
   * A primary that a hedge beat was cancelled, not failed, yet it was slower than nearly all
   * calls: count it toward ejection and its latency, or a stalled replica would keep drawing
   * first attempts (and spending the retry budget on hedges) for ever.
   */
  function lostToHedge(replica: Replica, ms: number): void {
    replica.latencyMs = Math.max(replica.latencyMs, ms);
    if (recordFailure(replica, context.settings.ejection, Date.now())) {
      context.observer.ejected(replica.url);
    }
  }

  function succeeded(replica: Replica, ms: number): void {
    recordSuccess(replica);
    context.latency.record(ms);
    replica.latencyMs =
      replica.latencyMs === 0
        ? ms
        : replica.latencyMs + LATENCY_SMOOTHING * (ms - replica.latencyMs);
    context.observer.call(replica.url, "ok", ms / 1000);
  }

  function failed(replica: Replica, error: unknown, seconds: number): void {
    const reason = retryReasonOf(error);
    context.observer.call(replica.url, reason === "timeout" ? "timeout" : "error", seconds);
    if (!reason) return;
    // A refused connection means the process is gone: stop routing to it until a poll says
    // otherwise, rather than waiting for consecutive failures.
    if (reason === "connect") replica.healthy = false;
    if (recordFailure(replica, context.settings.ejection, Date.now())) {
      context.observer.ejected(replica.url);
    }
  }

  return {
    checkpoint,
    get replica() {
      return pinned?.url ?? "";
    },
    complete,
  };
}
