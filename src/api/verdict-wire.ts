import type { CombinedVerdict, JudgeMode, OrderVerdict } from "../core/types.ts";
import type { VerdictWire } from "../http/wire/pairwise-schema.ts";

/** What the service knows about a verdict beyond the combined orders. */
export interface VerdictContext {
  id: string;
  checkpoint: string;
  template: string;
  mode: JudgeMode;
  cached: boolean;
  simulated: boolean;
  latencyMs: number;
}

function orderToWire(order: OrderVerdict): VerdictWire["orders"][number] {
  const wire: VerdictWire["orders"][number] = {
    order: order.order,
    outcome: order.outcome,
    winner: order.winner,
    probability_a: order.probabilityA,
    reasoning: order.reasoning,
  };
  if (order.reason !== undefined) wire.reason = order.reason;
  return wire;
}

/** The snake_case body of API.md for a combined verdict. */
export function verdictToWire(verdict: CombinedVerdict, context: VerdictContext): VerdictWire {
  const wire: VerdictWire = {
    id: context.id,
    outcome: verdict.outcome,
    winner: verdict.winner,
    probability_a: verdict.probabilityA,
    consistent: verdict.consistent,
    reasoning: verdict.reasoning,
    orders: verdict.orders.map(orderToWire),
    checkpoint: context.checkpoint,
    template: context.template,
    mode: context.mode,
    cached: context.cached,
    simulated: context.simulated,
    latency_ms: Math.round(context.latencyMs),
  };
  if (verdict.reason !== undefined) wire.reason = verdict.reason;
  return wire;
}
