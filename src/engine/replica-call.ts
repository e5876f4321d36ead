import { linkSignals } from "../core/signals.ts";
import type { Completion, CompletionRequest } from "../core/types.ts";
import { VLLM_PRIORITY } from "../core/vllm-priority.ts";
import { answerOutsideChoice, reportUnconstrained } from "./constraint-check.ts";
import { EngineCallError, retryReasonOf } from "./engine-errors.ts";
import type { Replica } from "./fleet-types.ts";
import { recordFailure, recordSuccess } from "./outlier-ejection.ts";
import { releaseSlot } from "./replica-admission.ts";
import type { SessionContext } from "./session-context.ts";
import type { SessionRoute } from "./session-route.ts";

const LATENCY_SMOOTHING = 0.2;

/** Made only when an attempt's timer fires: a constant function, no closure per call. */
const attemptTimeout = () => new Error("attempt timeout");

/**
 * One attempt on one replica, in the slot admission took for it (released however it ends).
 * It is cancelled when the caller's `signal` or `cancel` (its hedge won) aborts, and times out
 * after `attemptTimeoutMs` as a retryable UPSTREAM_TIMEOUT. Its outcome feeds the replica's
 * smoothed latency, the hedging latency history and outlier ejection; a cancelled call counts
 * toward none of them.
 */
export async function callReplica(
  context: SessionContext,
  route: Pick<SessionRoute, "checkpoint" | "priority" | "work">,
  replica: Replica,
  request: CompletionRequest,
  signal: AbortSignal | undefined,
  cancel?: AbortSignal,
): Promise<Completion[]> {
  // The timer keeps the process alive, as the call's own socket does.
  const attempt = linkSignals(signal, cancel).expireAfter(
    context.settings.attemptTimeoutMs,
    attemptTimeout,
    true,
  );
  const started = performance.now();
  try {
    const result = await replica.client.chat(
      route.checkpoint,
      request,
      attempt.signal,
      replica.choiceField,
      context.settings.vllmPriority ? VLLM_PRIORITY[route.work] : undefined,
    );
    succeeded(context, replica, performance.now() - started);
    answered(context, replica, request, result);
    return result;
  } catch (error) {
    const seconds = (performance.now() - started) / 1000;
    const cancelled = signal?.aborted || cancel?.aborted;
    if (attempt.expired && !cancelled) {
      const timeout = new EngineCallError(
        "timeout",
        "UPSTREAM_TIMEOUT",
        "the judge engine did not answer in time",
        error,
      );
      failed(context, replica, timeout, seconds);
      throw timeout;
    }
    if (cancelled) context.observer.call(replica.url, "cancelled", seconds);
    else failed(context, replica, error, seconds);
    throw error;
  } finally {
    attempt.dispose();
    releaseSlot(context, replica, route.priority);
  }
}

/**
 * Counts a failure toward `replica`'s ejection: after enough in a row it gets no traffic for
 * a while, and the observer hears of it.
 */
export function countTowardEjection(context: SessionContext, replica: Replica): void {
  if (recordFailure(replica, context.settings.ejection, Date.now())) {
    context.observer.ejected(replica.url);
  }
}

function succeeded(context: SessionContext, replica: Replica, ms: number): void {
  recordSuccess(replica);
  context.latency.record(ms);
  replica.latencyMs =
    replica.latencyMs === 0 ? ms : replica.latencyMs + LATENCY_SMOOTHING * (ms - replica.latencyMs);
  context.observer.call(replica.url, "ok", ms / 1000);
}

/** What an answer says beyond success: its prompt tokens, and whether it kept to the choice. */
function answered(
  context: SessionContext,
  replica: Replica,
  request: CompletionRequest,
  completions: Completion[],
): void {
  const prompt = completions[0]?.prompt;
  if (prompt) {
    const cached = prompt.cached ?? 0;
    context.observer.promptTokens?.(replica.url, cached, prompt.total - cached);
  }
  const outside = answerOutsideChoice(request, completions);
  if (outside !== null) reportUnconstrained(context, replica, outside);
}

function failed(context: SessionContext, replica: Replica, error: unknown, seconds: number): void {
  const reason = retryReasonOf(error);
  context.observer.call(replica.url, reason === "timeout" ? "timeout" : "error", seconds);
  if (!reason) return;
  // A refused connection means the process is gone: stop routing to it until a poll says
  // otherwise, rather than waiting for consecutive failures.
  if (reason === "connect") replica.healthy = false;
  countTowardEjection(context, replica);
}
