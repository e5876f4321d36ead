import type { CombinedVerdict, JudgeMode, OrderVerdict } from "../core/types.ts";

/**
 * A verdict as the judge service answers it: the combined orders and what the service knows
 * about them. Transport-free and camelCase; HTTP writes it as its JSON (`http/verdict-json.ts`),
 * gRPC as `jurist.v1.Verdict` (`grpc/judge-proto.ts`), the cache as a versioned record.
 */
export interface Verdict extends CombinedVerdict {
  /** `vrd_` and 32 hex digits; new for every answer, a cache hit included. */
  id: string;
  checkpoint: string;
  template: string;
  mode: JudgeMode;
  /** Whether it came from the verdict cache. */
  cached: boolean;
  /** Whether the checkpoint is served by simulated replicas, not a real judge. */
  simulated: boolean;
  /** Time the service took to answer, whole ms. */
  latencyMs: number;
}

/** What the service knows about a verdict beyond the combined orders. */
export type VerdictContext = Omit<Verdict, keyof CombinedVerdict>;

function orderOf(order: OrderVerdict): OrderVerdict {
  const own: OrderVerdict = {
    order: order.order,
    outcome: order.outcome,
    winner: order.winner,
    probabilityA: order.probabilityA,
    reasoning: order.reasoning,
  };
  if (order.reason !== undefined) own.reason = order.reason;
  return own;
}

/**
 * The verdict of combined orders. Fields are copied, not spread, so what the judge core adds
 * for itself (the replica, say) never reaches a transport or the cache.
 */
export function verdictOf(combined: CombinedVerdict, context: VerdictContext): Verdict {
  const verdict: Verdict = {
    id: context.id,
    outcome: combined.outcome,
    winner: combined.winner,
    probabilityA: combined.probabilityA,
    consistent: combined.consistent,
    reasoning: combined.reasoning,
    orders: combined.orders.map(orderOf),
    checkpoint: context.checkpoint,
    template: context.template,
    mode: context.mode,
    cached: context.cached,
    simulated: context.simulated,
    latencyMs: context.latencyMs,
  };
  if (combined.reason !== undefined) verdict.reason = combined.reason;
  return verdict;
}
