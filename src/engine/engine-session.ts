import type {
  Completion,
  EngineSession,
  PriorityClass,
  PromptTokenUsage,
  WorkClass,
} from "../core/types.ts";
import { retryReasonOf } from "./engine-errors.ts";
import { hedgedCall } from "./hedged-call.ts";
import { acquireReplica } from "./replica-admission.ts";
import type { SessionContext } from "./session-context.ts";
import { excludeReplica, newSessionRoute } from "./session-route.ts";

/**
 * One verdict's handle on the fleet. The first call picks a replica (waiting for a free slot,
 * as long as its priority class allows; see `acquireReplica`) and pins it, so the sibling
 * order lands on the same replica and shares its prefix cache. A call that fails with a
 * connect error, a 5xx or its attempt timeout is retried on a replica it has not failed on,
 * while the retry budget allows; the pin moves with it. Every call of the session is admitted
 * in `priority`'s class and carries `work`'s vLLM priority when that is on.
 */
export function createEngineSession(
  context: SessionContext,
  checkpoint: string,
  priority: PriorityClass = "interactive",
  work?: WorkClass,
): EngineSession {
  const route = newSessionRoute(checkpoint, priority, work);
  let promptTokens: PromptTokenUsage | undefined;

  /** Adds a call's prompt tokens (shared by its choices, so read once) to the session's. */
  function addPromptTokens(completions: Completion[]): Completion[] {
    const prompt = completions[0]?.prompt;
    if (!prompt) return completions;
    const before = promptTokens ?? { total: 0, cached: null };
    promptTokens = {
      total: before.total + prompt.total,
      cached: prompt.cached === null ? before.cached : (before.cached ?? 0) + prompt.cached,
    };
    return completions;
  }

  return {
    checkpoint,
    get replica() {
      return route.pinned?.url ?? "";
    },
    get promptTokens() {
      return promptTokens;
    },
    async complete(request, signal) {
      context.budget.recordAttempt();
      for (;;) {
        const replica = await acquireReplica(context, route, signal);
        try {
          return addPromptTokens(await hedgedCall(context, route, replica, request, signal));
        } catch (error) {
          const reason = retryReasonOf(error);
          // Only failures another replica may not have are retried, and never for a caller
          // that has gone.
          if (!reason || signal?.aborted) throw error;
          route.lastFailure = error;
          excludeReplica(route, replica);
          if (!context.budget.tryRetry()) {
            context.observer.retryBudgetExhausted();
            throw error;
          }
          context.observer.retry(reason);
        }
      }
    },
  };
}
