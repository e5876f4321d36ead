import { z } from "zod";
import { fromJson } from "./kinds.ts";

/** What a benchmark gate compares: an accuracy, consistency, one category, or every category. */
const benchmarkMetric = z.union([
  z.enum(["overall", "macro", "consistency", "every_category"]),
  z.string().regex(/^category:[a-z0-9_/ -]+$/, "expected category:<lower-case name>"),
]);

const improveGate = z.object({
  name: z.string().min(1),
  benchmark: z.string().min(1),
  metric: benchmarkMetric,
  rule: z.literal("improve"),
  /** The paired CI's lower bound of candidate − champion must be above this. */
  margin: z.number().min(-1).max(1).default(0),
});

const noRegressionGate = z.object({
  name: z.string().min(1),
  benchmark: z.string().min(1),
  metric: benchmarkMetric,
  rule: z.literal("no_regression"),
  /** candidate − champion may not fall below −tolerance (the point estimate). */
  tolerance: z.number().min(0).max(1).default(0),
});

const shadowGate = z.object({
  name: z.string().min(1),
  metric: z.literal("shadow_agreement"),
  rule: z.literal("minimum"),
  /** Share of shadowed live requests where the candidate named the champion's winner. */
  threshold: z.number().min(0).max(1),
  /** Shadow verdicts needed before the gate can pass. */
  minRequests: z.number().int().min(1).default(200),
});

export const gateSchema = z.discriminatedUnion("rule", [improveGate, noRegressionGate, shadowGate]);
export type Gate = z.infer<typeof gateSchema>;
export type BenchmarkGate = Exclude<Gate, { metric: "shadow_agreement" }>;

/**
 * The default policy (BENCHMARKS.md): VLRB macro accuracy must improve (CI lower bound above 0);
 * no MMRB category may drop more than 2 points; consistency on the held-out synthetic set must
 * not drop. Benchmarks are named in JURIST_BENCHMARKS (`vlrb=…`, `mmrb=…`, `heldout=…`).
 */
export const DEFAULT_GATES: readonly Gate[] = [
  { name: "vlrb-macro-improves", benchmark: "vlrb", metric: "macro", rule: "improve", margin: 0 },
  {
    name: "mmrb-no-category-regression",
    benchmark: "mmrb",
    metric: "every_category",
    rule: "no_regression",
    tolerance: 0.02,
  },
  {
    name: "heldout-consistency-holds",
    benchmark: "heldout",
    metric: "consistency",
    rule: "no_regression",
    tolerance: 0,
  },
];

/** JURIST_GATES: a JSON array of gates (a string in the environment, an array in a config file). */
export const gatesSetting = fromJson(z.array(gateSchema).min(1, "at least one gate"));

export function isShadowGate(gate: Gate): gate is Extract<Gate, { metric: "shadow_agreement" }> {
  return gate.metric === "shadow_agreement";
}
