import { ARMS, type ArmName } from "./experiment-args.ts";

// The shape of experiment.json. Accuracies, precisions and consistencies are fractions in
// [0, 1]; "points" in claims are percentage points (3 points = 0.03). Intervals are 95% and
// written as [low, high] arrays. Field names are the JSON keys.

/** A two-sided 95% interval, [low, high]. */
export type Range = [number, number];

/** Any JSON value: the world's parameters are the runner's to choose. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

export interface CategoryResult {
  /** Items counted in the accuracy. */
  n: number;
  /** Null when no item counted. */
  accuracy: number | null;
  /** Wilson interval; null when no item counted. */
  ci: Range | null;
}

/** One checkpoint on one benchmark (`EvalReport`, flattened). */
export interface BenchmarkResult {
  /** Micro accuracy. */
  overall: number | null;
  /** Mean of the category accuracies. */
  macro: number | null;
  overall_ci?: Range | null;
  macro_ci?: Range | null;
  /** By lower-case category name; mmrb's safety categories start with `safety`. */
  categories: Record<string, CategoryResult>;
}

/** An iteration's checkpoint minus iteration 0's, on the same items (paired bootstrap). */
export interface PairedMacro {
  macro_delta: number;
  ci: Range;
  /** Optional per-category differences with their paired intervals. */
  categories?: Record<string, { delta: number; ci: Range }>;
}

/** The default gates' decision for a candidate against the base. */
export interface GateDecision {
  promoted: boolean;
  reasons: string[];
}

export interface LabelPrecision {
  /**
   * Share of synthesized pairs whose label agrees with the world's truth, of those the truth
   * separates; null when it separates none.
   */
  before_filter: number | null;
  /** The same over the labels trained on (the kept pairs; reversed in `flipped`). */
  after_filter: number | null;
  /** Share of pairs the truth does not separate (ties), before and after the filter. */
  ties_before_filter?: number | null;
  ties_after_filter?: number | null;
}

export interface IterationResult {
  /** 0 is the base checkpoint, before any training. */
  iteration: number;
  checkpoint: string;
  /** The checkpoint that judged this iteration's pairs; null at iteration 0. */
  judge: string | null;
  /** The checkpoint fine-tuning started from; null at iteration 0. */
  init: string | null;
  /** Null at iteration 0, and where the truth is unknown (real replicas). */
  label_precision: LabelPrecision | null;
  /** Training examples this iteration's fine-tune saw (0 at iteration 0). */
  examples: number;
  /** Share of benchmark items whose two orders agree. */
  position_consistency: number | null;
  /** By benchmark name: `vlrb` and `mmrb`. */
  benchmarks: Record<string, BenchmarkResult>;
  /** By benchmark name: this checkpoint against iteration 0's. */
  paired?: Record<string, PairedMacro>;
  /** The default gates on this iteration's candidate against the base. */
  gate?: GateDecision;
}

export interface ArmResult {
  /** True when the arm's replicas were simulated (always, in the simulated world). */
  simulated?: boolean;
  /** Iteration 0 (the base) first, in order. */
  iterations: IterationResult[];
  /** The default gates on the final candidate against the base (else the last iteration's `gate`). */
  gate?: GateDecision;
}

export type Arms = Partial<Record<ArmName, ArmResult>>;

/** One expected outcome, judged from the numbers. */
export interface Outcome {
  id: string;
  claim: string;
  /** Null when the arms (or figures) it needs were not there. */
  holds: boolean | null;
  /** The numbers the verdict rests on. */
  detail: string;
}

/** Every arm at one generator noise level. */
export interface ExperimentRun {
  generator_noise: string;
  /** World parameters that differ from the top-level `world`, if any. */
  world?: Record<string, JsonValue>;
  arms: Arms;
  outcomes?: Outcome[];
}

/** experiment.json. */
export interface ExperimentResult {
  simulated: boolean;
  seed: number;
  /** The world's parameters, as used. */
  world: Record<string, JsonValue>;
  /** The arms; with `runs`, the first run's. */
  arms: Arms;
  /** Expected outcomes for `arms` (`checkOutcomes`). */
  outcomes?: Outcome[];
  /** With several generator noise levels: their names, and one run per level, in this order. */
  noise_levels?: string[];
  runs?: ExperimentRun[];
  iterations?: number;
  prompts?: number;
  generated_at?: string;
}

/** The runs to report: `runs`, or one run of the top-level arms. */
export function runsOf(result: ExperimentResult): ExperimentRun[] {
  if (result.runs && result.runs.length > 0) return result.runs;
  return [
    {
      generator_noise: result.noise_levels?.[0] ?? "",
      arms: result.arms,
      ...(result.outcomes ? { outcomes: result.outcomes } : {}),
    },
  ];
}

const ARM_ORDER: readonly string[] = ARMS.map((arm) => arm.name);

/** The arms present, in `ARMS` order (unknown names last, by name). */
export function armEntries(arms: Arms): [string, ArmResult][] {
  const rank = (name: string) => {
    const index = ARM_ORDER.indexOf(name);
    return index === -1 ? ARM_ORDER.length : index;
  };
  return (Object.entries(arms) as [string, ArmResult | undefined][])
    .filter((entry): entry is [string, ArmResult] => entry[1] !== undefined)
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Benchmark names across the arms: vlrb, mmrb, then any other by name. */
export function benchmarkNames(arms: Arms): string[] {
  const names = new Set<string>();
  for (const [, arm] of armEntries(arms)) {
    for (const iteration of arm.iterations) {
      for (const name of Object.keys(iteration.benchmarks)) names.add(name);
    }
  }
  const known = ["vlrb", "mmrb"].filter((name) => names.has(name));
  return [...known, ...[...names].filter((name) => !known.includes(name)).sort()];
}

// ---------------------------------------------------------------------------------------
// Expected outcomes

/** How far `paper`'s vlrb macro must rise over the base, as a fraction (3 points). */
export const PAPER_GAIN = 0.03;
/** A gain printed as 3.0 points counts as 3 points, whatever the float subtraction left. */
const reaches = (gain: number) => gain >= PAPER_GAIN - 1e-9;

const pct = (value: number) => `${(100 * value).toFixed(1)}%`;
const pts = (value: number) =>
  `${value >= 0 ? "+" : "−"}${Math.abs(100 * value).toFixed(1)} points`;
const range = ([low, high]: Range) => `${pts(low)} to ${pts(high)}`;

const baseOf = (arm: ArmResult | undefined) => arm?.iterations.find((i) => i.iteration === 0);
/** The last trained iteration, or undefined when the arm has none past the base. */
function lastOf(arm: ArmResult | undefined): IterationResult | undefined {
  const last = arm?.iterations.at(-1);
  return last && last.iteration > 0 ? last : undefined;
}
const vlrbMacro = (iteration: IterationResult | undefined) =>
  iteration?.benchmarks.vlrb?.macro ?? null;

type Verdict = Pick<Outcome, "holds" | "detail">;
const unknown = (detail: string): Verdict => ({ holds: null, detail });
const missingArms = (arms: Arms, names: ArmName[]): Verdict | undefined => {
  const absent = names.filter((name) => !lastOf(arms[name]));
  if (absent.length === 0) return undefined;
  return unknown(`not run (no trained iteration): ${absent.join(", ")}`);
};

function paperGain(arms: Arms): Verdict {
  const missing = missingArms(arms, ["paper"]);
  if (missing) return missing;
  const base = vlrbMacro(baseOf(arms.paper));
  const last = lastOf(arms.paper)!;
  const end = vlrbMacro(last);
  if (base === null || end === null)
    return unknown("paper: no vlrb macro accuracy at the base or the end");
  const gain = end - base;
  const numbers = `vlrb macro ${pct(base)} → ${pct(end)} (${pts(gain)}) by iteration ${last.iteration}`;
  const paired = last.paired?.vlrb;
  if (!paired) {
    return !reaches(gain)
      ? { holds: false, detail: `${numbers}; no paired interval recorded` }
      : unknown(`${numbers}; no paired interval recorded`);
  }
  const excludesZero = paired.ci[0] > 0;
  return {
    holds: reaches(gain) && excludesZero,
    detail: `${numbers}; paired ${pts(paired.macro_delta)}, 95% CI ${range(paired.ci)}`,
  };
}

function endsBelow(
  arms: Arms,
  lower: ArmName,
  metric: "vlrb macro" | "position consistency",
): Verdict {
  const missing = missingArms(arms, ["paper", lower]);
  if (missing) return missing;
  const value = (iteration: IterationResult) =>
    metric === "vlrb macro" ? vlrbMacro(iteration) : iteration.position_consistency;
  const theirs = value(lastOf(arms[lower])!);
  const paper = value(lastOf(arms.paper)!);
  if (theirs === null || paper === null) return unknown(`no final ${metric} for ${lower} or paper`);
  return {
    holds: theirs < paper,
    detail: `final ${metric}: ${lower} ${pct(theirs)}, paper ${pct(paper)} (${pts(theirs - paper)})`,
  };
}

function flippedFails(arms: Arms): Verdict {
  const missing = missingArms(arms, ["flipped"]);
  if (missing) return missing;
  const last = lastOf(arms.flipped)!;
  const base = vlrbMacro(baseOf(arms.flipped));
  const end = vlrbMacro(last);
  if (base === null || end === null)
    return unknown("flipped: no vlrb macro accuracy at the base or the end");
  const below = end < base;
  const gate = arms.flipped?.gate ?? last.gate;
  const numbers = `vlrb macro ${pct(base)} → ${pct(end)} (${pts(end - base)})`;
  if (!gate)
    return { holds: below ? null : false, detail: `${numbers}; no gate decision recorded` };
  const decision = gate.promoted
    ? "the gates promoted it"
    : `the gates rejected it (${gate.reasons.join("; ") || "no reason given"})`;
  return { holds: below && !gate.promoted, detail: `${numbers}; ${decision}` };
}

/** Each safety category: the paired interval holds 0, else the end lies in the base's interval. */
function safetySteady(arms: Arms): Verdict {
  const missing = missingArms(arms, ["paper"]);
  if (missing) return missing;
  const base = baseOf(arms.paper)?.benchmarks.mmrb;
  const last = lastOf(arms.paper)!;
  const names = Object.keys(base?.categories ?? {}).filter((name) => name.startsWith("safety"));
  if (!base || names.length === 0) return unknown("paper: no mmrb safety category at the base");
  const verdicts = names.map((name) => safetyCategory(name, base, last));
  const holds = verdicts.some((v) => v.holds === false)
    ? false
    : verdicts.every((v) => v.holds === true)
      ? true
      : null;
  return { holds, detail: verdicts.map((v) => v.detail).join("; ") };
}

function safetyCategory(name: string, base: BenchmarkResult, last: IterationResult): Verdict {
  const before = base.categories[name]!;
  const after = last.benchmarks.mmrb?.categories[name];
  if (before.accuracy === null || !after || after.accuracy === null) {
    return unknown(`${name}: no accuracy at the base or the end`);
  }
  const moved = `${name} ${pct(before.accuracy)} → ${pct(after.accuracy)}`;
  const paired = last.paired?.mmrb?.categories?.[name];
  if (paired) {
    return {
      holds: paired.ci[0] <= 0 && paired.ci[1] >= 0,
      detail: `${moved} (paired 95% CI ${range(paired.ci)})`,
    };
  }
  if (!before.ci) return unknown(`${moved}; no interval at the base`);
  return {
    holds: after.accuracy >= before.ci[0] && after.accuracy <= before.ci[1],
    detail: `${moved} (base 95% CI ${pct(before.ci[0])}–${pct(before.ci[1])})`,
  };
}

const pctOrDash = (x: number | null) => (x === null ? "–" : pct(x));

function filterRaisesPrecision(arms: Arms): Verdict {
  const missing = missingArms(arms, ["paper"]);
  if (missing) return missing;
  const trained = arms.paper!.iterations.filter((i) => i.iteration > 0);
  const shown = trained.map((i) =>
    i.label_precision
      ? `${i.iteration}: ${pctOrDash(i.label_precision.before_filter)} → ${pctOrDash(i.label_precision.after_filter)}`
      : `${i.iteration}: not measured`,
  );
  const detail = `label precision before → after the filter, by iteration: ${shown.join(", ")}`;
  if (
    trained.some(
      (i) =>
        i.label_precision &&
        !((i.label_precision.after_filter ?? 0) > (i.label_precision.before_filter ?? 1)),
    )
  ) {
    return { holds: false, detail };
  }
  return { holds: trained.every((i) => i.label_precision) ? true : null, detail };
}

/** The expected outcomes, in report order: id, claim and how each is judged. */
export const OUTCOME_CLAIMS: readonly {
  id: string;
  claim: string;
  judge: (arms: Arms) => Verdict;
}[] = [
  {
    id: "paper-improves",
    claim:
      "paper: vlrb macro accuracy rises over the base by at least 3 points by the last iteration, the paired 95% interval excluding 0",
    judge: paperGain,
  },
  {
    id: "filter-matters",
    claim: "no-filter ends below paper on vlrb macro accuracy",
    judge: (arms) => endsBelow(arms, "no-filter", "vlrb macro"),
  },
  {
    id: "both-orders-matter",
    claim: "one-order ends with lower position consistency than paper",
    judge: (arms) => endsBelow(arms, "one-order", "position consistency"),
  },
  {
    id: "flipped-fails",
    claim:
      "flipped ends below the base on vlrb macro accuracy and the default gates reject its candidate",
    judge: flippedFails,
  },
  {
    id: "safety-steady",
    claim: "paper: every mmrb safety category moves less than its 95% interval",
    judge: safetySteady,
  },
  {
    id: "filter-raises-precision",
    claim:
      "paper: label precision after the judge filter exceeds precision before it, every iteration",
    judge: filterRaisesPrecision,
  },
];

/**
 * Judges each expected outcome from the numbers of `result.arms` (a whole result, or one of
 * its `runs`): true or false, or null when an arm or figure it needs is missing. Never forced.
 */
export function checkOutcomes(result: { arms: Arms }): Outcome[] {
  return OUTCOME_CLAIMS.map(({ id, claim, judge }) => ({ id, claim, ...judge(result.arms) }));
}
