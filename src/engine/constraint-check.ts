import type { Completion, CompletionRequest } from "../core/types.ts";
import type { Replica } from "./fleet-types.ts";
import type { SessionContext } from "./session-context.ts";

/**
 * The first answer of a constrained call that is not one of its choices, or null. A replica
 * that honours the field can only answer a choice; anything else means it ignored the field
 * (vLLM answers 200 to a field it does not know), and the verdict would silently degrade.
 */
export function answerOutsideChoice(
  request: CompletionRequest,
  completions: readonly Completion[],
): string | null {
  if (!request.choice || request.choice.length === 0) return null;
  const outside = completions.find((completion) => !request.choice!.includes(completion.text));
  return outside ? outside.text : null;
}

/**
 * Records an unconstrained answer on the replica (for /readyz), counts it (the metric) and
 * has the fleet warn about it (rate-limited there). The answer is still returned to the
 * caller: the verdict parser reads or refuses it as it would any answer.
 */
export function reportUnconstrained(
  context: SessionContext,
  replica: Replica,
  answer: string,
): void {
  const count = (replica.unconstrained?.count ?? 0) + 1;
  replica.unconstrained = {
    count,
    lastAnswer: answer.slice(0, 40),
    lastAt: Date.now(),
    field: replica.choiceField,
  };
  context.observer.unconstrained?.(replica.url);
  context.warnUnconstrained?.(replica);
}
