import type { ArmName } from "../../../trainer/experiment/experiment-args.ts";
import type {
  ArmResult,
  BenchmarkResult,
  ExperimentResult,
  IterationResult,
  Range,
} from "../../../trainer/experiment/experiment-result.ts";

/** What one iteration of a fixture arm scores; the rest is derived. */
export interface Scores {
  vlrb: number;
  mmrb?: number;
  safety?: number;
  consistency?: number;
  /** [before, after] the filter; iteration 0 has none. */
  precision?: [number, number] | null;
  /** The paired interval of vlrb's macro against iteration 0 (default: ±0.02 around the gain). */
  pairedCi?: Range | null;
}

const around = (value: number, half = 0.03): Range => [value - half, value + half];

function benchmark(macro: number, categories: Record<string, number>): BenchmarkResult {
  return {
    overall: macro + 0.004,
    macro,
    overall_ci: around(macro + 0.004, 0.025),
    macro_ci: around(macro),
    categories: Object.fromEntries(
      Object.entries(categories).map(([name, accuracy]) => [
        name,
        { n: 150, accuracy, ci: around(accuracy, 0.06) },
      ]),
    ),
  };
}

/** An arm whose iteration k scores `scores[k]`; iteration 0 is the shared base `base-0`. */
export function arm(name: ArmName, scores: Scores[], promoted?: boolean): ArmResult {
  const base = scores[0]!;
  const iterations: IterationResult[] = scores.map((s, k) => {
    const checkpoint = k === 0 ? "base-0" : `${name}-${k}`;
    const previous = k <= 1 ? "base-0" : `${name}-${k - 1}`;
    const gain = s.vlrb - base.vlrb;
    const pairedCi = s.pairedCi === undefined ? around(gain, 0.02) : s.pairedCi;
    return {
      iteration: k,
      checkpoint,
      judge: k === 0 ? null : previous,
      init: k === 0 ? null : previous,
      label_precision:
        k === 0 || s.precision === null
          ? null
          : {
              before_filter: (s.precision ?? [0.7, 0.85])[0],
              after_filter: (s.precision ?? [0.7, 0.85])[1],
            },
      examples: k === 0 ? 0 : 400 + k,
      position_consistency: s.consistency ?? 0.8,
      benchmarks: {
        vlrb: benchmark(s.vlrb, { general: s.vlrb - 0.02, hallucination: s.vlrb + 0.02 }),
        mmrb: benchmark(s.mmrb ?? 0.6, {
          reasoning: s.mmrb ?? 0.6,
          "safety-refusal": s.safety ?? 0.7,
        }),
      },
      ...(k > 0 && pairedCi ? { paired: { vlrb: { macro_delta: gain, ci: pairedCi } } } : {}),
    };
  });
  return promoted === undefined
    ? { iterations }
    : { iterations, gate: { promoted, reasons: promoted ? [] : ["vlrb macro fell 6.0 points"] } };
}

/** A result where every expected outcome holds. */
export function goodResult(): ExperimentResult {
  return {
    simulated: true,
    seed: 7,
    world: { generator_noise: "low", learner: { rate: 0.4 }, note: "a | b <c>" },
    iterations: 2,
    prompts: 240,
    arms: {
      paper: arm("paper", [
        { vlrb: 0.612 },
        { vlrb: 0.641, precision: [0.71, 0.86] },
        { vlrb: 0.663, consistency: 0.86, precision: [0.74, 0.9], safety: 0.705 },
      ]),
      "no-filter": arm("no-filter", [{ vlrb: 0.612 }, { vlrb: 0.62 }, { vlrb: 0.624 }]),
      "one-order": arm("one-order", [
        { vlrb: 0.612 },
        { vlrb: 0.63, consistency: 0.76 },
        { vlrb: 0.64, consistency: 0.71 },
      ]),
      gold: arm("gold", [{ vlrb: 0.612 }, { vlrb: 0.65 }, { vlrb: 0.672 }]),
      flipped: arm("flipped", [{ vlrb: 0.612 }, { vlrb: 0.58 }, { vlrb: 0.551 }], false),
    },
  };
}
