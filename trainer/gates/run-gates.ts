import { type BenchmarkGate, type Gate, isShadowGate } from "../../src/config/gate-policy.ts";
import type { EvalReport } from "../eval/eval-report.ts";
import type { ItemScore } from "../eval/item-score.ts";
import { comparePaired, type PairedComparison } from "../eval/paired-comparison.ts";
import type { BootstrapOptions } from "../eval/stratified-bootstrap.ts";
import { consistencyScores } from "./consistency-scores.ts";
import {
  type BenchmarkComparison,
  type GateResult,
  judgeBenchmarkGate,
  judgeShadowGate,
  type ShadowTally,
} from "./gate-verdict.ts";

/** One judge's evaluation on one benchmark, as the gates need it. */
export interface GateEvaluation {
  scores: ItemScore[];
  report: EvalReport;
  /** Where its per-item results and report were written. */
  dir?: string | undefined;
}

/** Both judges on one benchmark, and how they compare. */
export interface BenchmarkEvaluations {
  candidate: EvalReport & { dir?: string | undefined };
  champion: EvalReport & { dir?: string | undefined };
  comparison: PairedComparison;
  consistency: PairedComparison | null;
}

/** Everything the gates decided, kept with the candidate's record. */
export interface GateReport {
  candidate: string;
  champion: string;
  passed: boolean;
  /** True when any judge ran on simulated replicas or any benchmark file is simulated. */
  simulated: boolean;
  generatedAt: string;
  gates: GateResult[];
  evaluations: Record<string, BenchmarkEvaluations>;
}

export interface GateRunInput {
  candidate: string;
  champion: string;
  policy: readonly Gate[];
  /** Configured benchmark names; a gate naming another fails. */
  benchmarks: ReadonlySet<string>;
  /** Evaluates `checkpoint` on benchmark `name` (both orders of every item). */
  evaluate(checkpoint: string, benchmark: string): Promise<GateEvaluation>;
  /** The candidate's shadow traffic, waited for up to the gate's needs. */
  shadow?: ((minRequests: number) => Promise<ShadowTally>) | undefined;
  simulated: boolean;
  bootstrap?: BootstrapOptions;
}

function withDir(evaluation: GateEvaluation) {
  return { ...evaluation.report, dir: evaluation.dir };
}

/**
 * Runs the gate policy: evaluates candidate and champion once per benchmark a gate names,
 * compares them on the same items, and judges every gate. All must pass. A gate that cannot be
 * judged (benchmark not configured, no paired items, not enough shadow traffic) fails — a
 * candidate is never promoted on missing evidence.
 */
export async function runGates(input: GateRunInput): Promise<GateReport> {
  const evaluations: Record<string, BenchmarkEvaluations> = {};
  const comparisons = new Map<string, BenchmarkComparison | Error>();
  const benchmarkGates = input.policy.filter((gate): gate is BenchmarkGate => !isShadowGate(gate));
  for (const name of new Set(benchmarkGates.map((gate) => gate.benchmark))) {
    if (!input.benchmarks.has(name)) continue;
    try {
      const candidate = await input.evaluate(input.candidate, name);
      const champion = await input.evaluate(input.champion, name);
      const accuracy = comparePaired(candidate.scores, champion.scores, input.bootstrap);
      let consistency: PairedComparison | null = null;
      try {
        consistency = comparePaired(
          consistencyScores(candidate.scores),
          consistencyScores(champion.scores),
          input.bootstrap,
        );
      } catch {
        consistency = null;
      }
      comparisons.set(name, { accuracy, consistency });
      evaluations[name] = {
        candidate: withDir(candidate),
        champion: withDir(champion),
        comparison: accuracy,
        consistency,
      };
    } catch (error) {
      comparisons.set(name, error as Error);
    }
  }
  const gates: GateResult[] = [];
  for (const gate of input.policy) {
    if (isShadowGate(gate)) {
      const tally = input.shadow
        ? await input.shadow(gate.minRequests)
        : { requests: 0, agreements: 0 };
      gates.push(judgeShadowGate(gate, tally));
      continue;
    }
    const comparison = comparisons.get(gate.benchmark);
    const base = {
      name: gate.name,
      rule: gate.rule,
      benchmark: gate.benchmark,
      passed: false,
      figures: [],
    };
    if (!input.benchmarks.has(gate.benchmark)) {
      gates.push({
        ...base,
        reason: `benchmark '${gate.benchmark}' is not configured (JURIST_BENCHMARKS)`,
      });
    } else if (comparison instanceof Error || !comparison) {
      gates.push({ ...base, reason: `evaluation failed: ${comparison?.message ?? "not run"}` });
    } else {
      gates.push(judgeBenchmarkGate(gate, comparison));
    }
  }
  return {
    candidate: input.candidate,
    champion: input.champion,
    passed: gates.length > 0 && gates.every((gate) => gate.passed),
    simulated: input.simulated,
    generatedAt: new Date().toISOString(),
    gates,
    evaluations,
  };
}
