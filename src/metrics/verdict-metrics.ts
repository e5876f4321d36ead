import { Histogram, type Registry } from "prom-client";
import type { PromptTokenUsage } from "../core/types.ts";
import { counter, zeroed } from "./labelled-metrics.ts";

/** The parts of a combined verdict the verdict metrics read (a core `CombinedVerdict` fits). */
export interface VerdictSummary {
  outcome: "ok" | "partial" | "abstain";
  winner: "A" | "B" | "tie" | null;
  /** Null unless both orders were read. */
  consistent: boolean | null;
  /** Probability that A is better, 0–1; null when no order could be read. */
  probabilityA: number | null;
  /** Each judged order and whether its answer could be read (`invalid` when not). */
  orders?: readonly { outcome: "ok" | "invalid" }[];
  /** The prompt tokens of the verdict's engine calls, when the replica reported them. */
  promptTokens?: PromptTokenUsage | undefined;
}

/** |probability_a − 0.5| in steps of 0.05, written out to avoid float drift in `le` labels. */
const MARGIN_BUCKETS = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5];

/**
 * Share of a verdict's prompt tokens served from the replica's prefix cache. `0` is its own
 * bucket: no sharing at all (or a replica that does not report cached tokens). Around 0.5,
 * the second order reused the first's image and question tokens; lower, they were computed
 * twice.
 */
const CACHED_SHARE_BUCKETS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

/** Every outcome and winner a combined verdict can have (`partial` is never a tie). */
const VERDICT_KINDS = [
  { outcome: "ok", winner: "A" },
  { outcome: "ok", winner: "B" },
  { outcome: "ok", winner: "tie" },
  { outcome: "partial", winner: "A" },
  { outcome: "partial", winner: "B" },
  { outcome: "abstain", winner: "none" },
] as const;

/**
 * The judge's quality without labels: how verdicts end (A, B, tie, partial, abstain), how
 * often single orders are unreadable (`invalid`), whether both orders agree (position
 * consistency) and how far from a coin flip the probability is (margin).
 */
export function createVerdictMetrics(registers: Registry[]) {
  const total = zeroed(
    counter<{ outcome: VerdictSummary["outcome"]; winner: "A" | "B" | "tie" | "none" }>({
      name: "jurist_verdicts_total",
      help: "Pairwise verdicts, by outcome and winner",
      labelNames: ["outcome", "winner"],
      registers,
    }),
    VERDICT_KINDS,
  );
  const orders = zeroed(
    counter<{ outcome: "ok" | "invalid" }>({
      name: "jurist_verdict_orders_total",
      help: "Orders judged (each verdict judges one or two), by whether the answer could be read",
      labelNames: ["outcome"],
      registers,
    }),
    [{ outcome: "ok" }, { outcome: "invalid" }],
  );
  const consistent = zeroed(
    counter<{ consistent: "true" | "false" }>({
      name: "jurist_verdict_consistent_total",
      help: "Verdicts with both orders read, by whether the orders agreed",
      labelNames: ["consistent"],
      registers,
    }),
    [{ consistent: "true" }, { consistent: "false" }],
  );
  const margin = new Histogram({
    name: "jurist_verdict_margin",
    help: "Distance of probability_a from 0.5 (0 = coin flip, 0.5 = certain)",
    buckets: MARGIN_BUCKETS,
    registers,
  });
  const cachedShare = new Histogram({
    name: "jurist_verdict_prompt_cached_ratio",
    help: "Share of a verdict's prompt tokens (both orders) the replica served from its prefix cache",
    buckets: CACHED_SHARE_BUCKETS,
    registers,
  });
  return {
    /** Counts one combined verdict; consistency and margin only when they are known. */
    record(verdict: VerdictSummary): void {
      total.inc({ outcome: verdict.outcome, winner: verdict.winner ?? "none" });
      for (const order of verdict.orders ?? []) orders.inc({ outcome: order.outcome });
      if (verdict.consistent !== null) {
        consistent.inc({ consistent: verdict.consistent ? "true" : "false" });
      }
      if (verdict.probabilityA !== null) margin.observe(Math.abs(verdict.probabilityA - 0.5));
      const prompt = verdict.promptTokens;
      // vLLM leaves cached tokens out when there are none: unreported counts as 0 cached.
      if (prompt && prompt.total > 0) cachedShare.observe((prompt.cached ?? 0) / prompt.total);
    },
  };
}
