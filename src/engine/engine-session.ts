import type { Completion, CompletionRequest, EngineSession } from "../core/types.ts";
import { AppError } from "../errors.ts";
import type { CapacityWaiters } from "./capacity-waiters.ts";
import { EngineCallError, retryReasonOf } from "./engine-errors.ts";
import type { FleetObserver, FleetSettings, Replica } from "./fleet-types.ts";
import type { createLatencyTracker } from "./latency-tracker.ts";
import { recordFailure, recordSuccess } from "./outlier-ejection.ts";
import { routeRequest } from "./replica-routing.ts";
import type { RetryBudget } from "./retry-budget.ts";

/** What sessions share with the fleet that created them. */
export interface SessionContext {
  replicas: () => readonly Replica[];
  settings: FleetSettings;
  budget: RetryBudget;
  latency: ReturnType<typeof createLatencyTracker>;
  waiters: CapacityWaiters;
  observer: FleetObserver;
  /** Whether the caller pinned the checkpoint (an unknown pin is a 404, not a 503). */
  pinned: boolean;
}

const LATENCY_SMOOTHING = 0.2;

/**
 * One verdict's handle on the fleet. The first call picks a replica (waiting briefly for a
 * free slot) and pins it, so the sibling order lands on the same replica and shares its prefix
 * cache. A call that fails with a connect error, a 5xx or its attempt timeout is retried on a
 * replica it has not failed on, while the retry budget allows; the pin moves with it.
 */
export function createEngineSession(context: SessionContext, checkpoint: string): EngineSession {
  const excluded = new Set<string>();
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
        if (pinned === replica) pinned = null;
        if (!context.budget.tryRetry()) {
          context.observer.retryBudgetExhausted();
          throw error;
        }
        context.observer.retry(reason);
      }
    }
  }

  function usable(replica: Replica): boolean {
    return replica.healthy && !replica.removed && replica.ejectedUntil <= Date.now();
  }

  async function acquire(signal?: AbortSignal): Promise<Replica> {
    const started = performance.now();
    for (;;) {
      // Checked on every wake too: a sibling order may have been admitted while this one
      // waited, and this one must ride along rather than be shed and void the sibling's work.
      if (pinned && usable(pinned)) {
        pinned.inFlight += 1;
        return pinned;
      }
      const route = routeRequest(context.replicas(), { checkpoint, exclude: excluded }, Date.now());
      if (route.replica) {
        if (performance.now() - started > 1) {
          context.observer.admissionWait((performance.now() - started) / 1000);
        }
        pinned = route.replica;
        route.replica.inFlight += 1;
        return route.replica;
      }
      if (route.reason !== "full") throw noReplica(route.reason);
      const remaining = context.settings.admissionWaitMs - (performance.now() - started);
      if (!(await context.waiters.wait(remaining, signal))) {
        if (signal?.aborted) throw signal.reason;
        // Both orders of a verdict may be shed; the metric counts requests, so report once.
        if (!shedReported) context.observer.shed("replica_capacity");
        shedReported = true;
        throw new AppError("OVERLOADED", "every replica serving this checkpoint is busy", {
          retryAfterSeconds: 1,
        });
      }
    }
  }

  function noReplica(reason: "unknown" | "unavailable"): unknown {
    if (reason === "unknown" && context.pinned) {
      return new AppError("NOT_FOUND", `checkpoint '${checkpoint}' is not served by any replica`);
    }
    // A failure is the answer while replicas this request merely excluded are still in rotation;
    // once its failures took the last ones out (refused connections, ejection), none is left.
    const serving = context.replicas().filter((r) => r.models.includes(checkpoint));
    if (lastFailure && serving.some(usable)) return lastFailure;
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
    const started = performance.now();
    const primaryCancel = new AbortController();
    const primary = callReplica(replica, request, signal, primaryCancel.signal);
    if (delay === null) return primary;
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
    second.inFlight += 1;
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
    const route = routeRequest(context.replicas(), { checkpoint, exclude }, Date.now());
    return route.replica;
  }

  async function callReplica(
    replica: Replica,
    request: CompletionRequest,
    signal: AbortSignal | undefined,
    cancel: AbortSignal,
  ): Promise<Completion[]> {
    const controller = new AbortController();
    const follow = () => controller.abort(signal?.aborted ? signal.reason : cancel.reason);
    signal?.addEventListener("abort", follow, { once: true });
    cancel.addEventListener("abort", follow, { once: true });
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
      if (timedOut && !signal?.aborted && !cancel.aborted) {
        const timeout = new EngineCallError(
          "timeout",
          "UPSTREAM_TIMEOUT",
          "the judge engine did not answer in time",
          error,
        );
        failed(replica, timeout, seconds);
        throw timeout;
      }
      if (signal?.aborted || cancel.aborted)
        context.observer.call(replica.url, "cancelled", seconds);
      else failed(replica, error, seconds);
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", follow);
      cancel.removeEventListener("abort", follow);
      replica.inFlight -= 1;
      context.waiters.notify();
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
