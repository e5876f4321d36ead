import type { OrderVerdict } from "../core/types.ts";
import type { Verdict } from "../judge/verdict.ts";
import type { VerdictWire } from "./wire/pairwise-schema.ts";

/**
 * The one place a domain verdict becomes HTTP's snake_case JSON (docs/api.md). Optional fields are
 * left out, not written as undefined, so the body is the same whichever serialiser writes it.
 */

function orderJson(order: OrderVerdict): VerdictWire["orders"][number] {
  const json: VerdictWire["orders"][number] = {
    order: order.order,
    outcome: order.outcome,
    winner: order.winner,
    probability_a: order.probabilityA,
    reasoning: order.reasoning,
  };
  if (order.reason !== undefined) json.reason = order.reason;
  return json;
}

/** The `/v1/judge/pairwise` body of a verdict (and each verdict of a batch). */
export function verdictJson(verdict: Verdict): VerdictWire {
  const json: VerdictWire = {
    id: verdict.id,
    outcome: verdict.outcome,
    winner: verdict.winner,
    probability_a: verdict.probabilityA,
    consistent: verdict.consistent,
    reasoning: verdict.reasoning,
    orders: verdict.orders.map(orderJson),
    checkpoint: verdict.checkpoint,
    template: verdict.template,
    mode: verdict.mode,
    cached: verdict.cached,
    simulated: verdict.simulated,
    latency_ms: verdict.latencyMs,
  };
  if (verdict.reason !== undefined) json.reason = verdict.reason;
  return json;
}
