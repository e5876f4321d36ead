import type { BenchmarkGate, Gate } from "../../src/config/gate-policy.ts";
import type { Interval } from "../eval/confidence-intervals.ts";
import type { PairedComparison, PairedDifference } from "../eval/paired-comparison.ts";

/** One compared figure a gate looked at. */
export interface GateFigure {
  /** `macro`, `overall`, `consistency`, `category:<name>` or `shadow_agreement`. */
  metric: string;
  candidate: number | null;
  champion: number | null;
  difference: number | null;
  ci: Interval | null;
  passed: boolean;
}

/** A gate's verdict and why. */
export interface GateResult {
  name: string;
  rule: Gate["rule"];
  benchmark: string | null;
  passed: boolean;
  /** One sentence naming the figure that decided it. */
  reason: string;
  figures: GateFigure[];
}

/** What a benchmark gate compares: accuracy on the items, and consistency on the same items. */
export interface BenchmarkComparison {
  accuracy: PairedComparison;
  consistency: PairedComparison | null;
}

/** The shadow traffic a candidate got. */
export interface ShadowTally {
  requests: number;
  agreements: number;
}

const points = (value: number) =>
  `${value < 0 ? "−" : ""}${(100 * Math.abs(value)).toFixed(1)} pts`;
const pct = (value: number) => `${(100 * value).toFixed(1)}%`;

function figureFor(metric: string, paired: PairedDifference, passed: boolean): GateFigure {
  return { metric, ...paired, passed };
}

function decide(gate: BenchmarkGate, paired: PairedDifference): boolean {
  return gate.rule === "improve"
    ? paired.ci.low > gate.margin
    : paired.difference >= -gate.tolerance - 1e-12;
}

function describe(gate: BenchmarkGate, figure: GateFigure): string {
  const diff = figure.difference ?? 0;
  const what = `${figure.metric} ${pct(figure.champion ?? 0)} → ${pct(figure.candidate ?? 0)} (${diff >= 0 ? "+" : "−"}${points(Math.abs(diff))}, 95% CI ${points(figure.ci!.low)} … ${points(figure.ci!.high)})`;
  if (gate.rule === "improve") {
    return figure.passed
      ? `${what}: the CI's lower bound is above ${points(gate.margin)}`
      : `${what}: not shown to improve — the CI's lower bound is not above ${points(gate.margin)}`;
  }
  return figure.passed
    ? `${what}: within the ${points(gate.tolerance)} tolerance`
    : `${what}: regressed beyond the ${points(gate.tolerance)} tolerance`;
}

/** Judges one benchmark gate on the paired comparison of candidate and champion. */
export function judgeBenchmarkGate(
  gate: BenchmarkGate,
  comparison: BenchmarkComparison,
): GateResult {
  const base = { name: gate.name, rule: gate.rule, benchmark: gate.benchmark };
  let pairs: [string, PairedDifference][];
  if (gate.metric === "every_category") {
    pairs = Object.entries(comparison.accuracy.categories).map(([name, diff]) => [
      `category:${name}`,
      diff,
    ]);
  } else if (gate.metric === "consistency") {
    if (!comparison.consistency) {
      return {
        ...base,
        passed: false,
        reason: "consistency: no item had both orders parsed by both judges",
        figures: [],
      };
    }
    pairs = [["consistency", comparison.consistency.overall]];
  } else if (gate.metric.startsWith("category:")) {
    const name = gate.metric.slice("category:".length);
    const diff = comparison.accuracy.categories[name];
    if (!diff) {
      return {
        ...base,
        passed: false,
        reason: `${gate.metric}: the benchmark has no such category`,
        figures: [],
      };
    }
    pairs = [[gate.metric, diff]];
  } else {
    const metric = gate.metric as "overall" | "macro";
    pairs = [[metric, comparison.accuracy[metric]]];
  }
  const figures = pairs.map(([metric, diff]) => figureFor(metric, diff, decide(gate, diff)));
  const failing = figures.filter((figure) => !figure.passed);
  const passed = figures.length > 0 && failing.length === 0;
  // A failure names the first failing figure; a pass names the closest call (smallest gain).
  const closest = [...figures].sort((a, b) => (a.difference ?? 0) - (b.difference ?? 0))[0];
  const decisive = failing[0] ?? closest;
  const reason = decisive ? describe(gate, decisive) : `${gate.metric}: nothing to compare`;
  const more = failing.length > 1 ? ` (and ${failing.length - 1} more)` : "";
  return { ...base, passed, reason: `${reason}${more}`, figures };
}

/** Judges a shadow-agreement gate on the shadow traffic the candidate got. */
export function judgeShadowGate(
  gate: Extract<Gate, { metric: "shadow_agreement" }>,
  tally: ShadowTally,
): GateResult {
  const base = { name: gate.name, rule: gate.rule, benchmark: null };
  if (tally.requests < gate.minRequests) {
    return {
      ...base,
      passed: false,
      reason: `only ${tally.requests} shadow verdicts of the ${gate.minRequests} needed`,
      figures: [],
    };
  }
  const agreement = tally.agreements / tally.requests;
  const passed = agreement >= gate.threshold;
  return {
    ...base,
    passed,
    reason: `agreed with the champion on ${pct(agreement)} of ${tally.requests} shadowed requests (${passed ? "≥" : "<"} ${pct(gate.threshold)})`,
    figures: [
      {
        metric: "shadow_agreement",
        candidate: agreement,
        champion: null,
        difference: null,
        ci: null,
        passed,
      },
    ],
  };
}
