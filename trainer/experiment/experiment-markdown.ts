import { percentText } from "../eval/percent-text.ts";
import { ARMS } from "./experiment-args.ts";
import {
  type ArmResult,
  armEntries,
  type BenchmarkResult,
  benchmarkNames,
  checkOutcomes,
  type ExperimentResult,
  type ExperimentRun,
  type IterationResult,
  type JsonValue,
  type Outcome,
  type Range,
  runsOf,
} from "./experiment-result.ts";

/** The first thing experiment.md says when the world was simulated. */
export const SIMULATED_EXPERIMENT_BANNER =
  "> **SIMULATED** — every judge, generator, fine-tune and benchmark in this experiment is a " +
  "simulation: the learner is a toy model in a simulated world, not a vision-language model. " +
  "The numbers test the pipeline's logic; they are not any model's accuracy.";

/** The closing section: what a simulated experiment is evidence of, and what it is not. */
export const WHAT_THIS_SHOWS = [
  "A simulated world's learner is evidence about the pipeline's logic: that the loop, fed",
  "pairs its own judge kept in both orders, ends with a better judge than it started with, and",
  "that a broken filter (`no-filter`), wrong labels (`flipped`) or a position-biased dataset",
  "(`one-order`) make a worse one — and that the gates and the paired intervals notice. The",
  "world decides how much a good training example helps, so the size of every gain here is a",
  "property of the simulation.",
  "",
  "It is not evidence about a real VLM's gains: how much a real model improves per iteration,",
  "whether its safety behaviour holds, or how its position bias moves are questions only a run",
  "on real replicas with a real fine-tune (`--backends`, `--fine-tune-command`) and real",
  "benchmarks can answer.",
].join("\n");

const points = (value: number) => `${value >= 0 ? "+" : "−"}${Math.abs(100 * value).toFixed(1)}`;
const interval = (ci: Range | null | undefined) =>
  ci ? ` (${(100 * ci[0]).toFixed(1)}–${(100 * ci[1]).toFixed(1)})` : "";
/** Table cells are one line, and a `|` would split one. */
const cell = (text: string) => text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;
/** Free text in a table: as code when markdown or HTML would read it as markup. */
const text = (value: string) => (/[<>&`*\\]/.test(value) ? code(value) : value);
const row = (cells: string[]) => `| ${cells.map(cell).join(" | ")} |`;

const describe = (name: string) => ARMS.find((arm) => arm.name === name)?.description ?? "";

const accuracy = (value: number | null | undefined, ci: Range | null | undefined) =>
  `${percentText(value)}${value === null || value === undefined ? "" : interval(ci)}`;

function pairedCell(iteration: IterationResult, benchmarks: string[]): string {
  const parts = benchmarks.flatMap((name) => {
    const paired = iteration.paired?.[name];
    if (!paired) return [];
    const [low, high] = paired.ci;
    return [`${name} ${points(paired.macro_delta)} (${points(low)} to ${points(high)})`];
  });
  return parts.length > 0 ? parts.join("; ") : "—";
}

/** An iteration's own gate decision; the last one also shows the arm's final decision. */
function gateCell(arm: ArmResult, iteration: IterationResult): string {
  const gate = iteration.gate ?? (iteration === arm.iterations.at(-1) ? arm.gate : undefined);
  return gate ? (gate.promoted ? "promoted" : "rejected") : "—";
}

/** One arm by iteration: training figures, then each benchmark's overall and macro with CIs. */
export function renderArmTable(arm: ArmResult, benchmarks: string[]): string {
  const withGate = arm.gate !== undefined || arm.iterations.some((i) => i.gate);
  const header = [
    "iteration",
    "checkpoint",
    "examples",
    "label precision before → after filter",
    "position consistency",
    ...benchmarks.flatMap((name) => [`${name} overall (95% CI)`, `${name} macro (95% CI)`]),
    "macro vs base, paired (95% CI), points",
    ...(withGate ? ["gate"] : []),
  ];
  const lines = arm.iterations.map((i) => {
    const precision = i.label_precision
      ? `${percentText(i.label_precision.before_filter)} → ${percentText(i.label_precision.after_filter)}`
      : "—";
    const scores = benchmarks.flatMap((name) => {
      const b: BenchmarkResult | undefined = i.benchmarks[name];
      return [accuracy(b?.overall, b?.overall_ci), accuracy(b?.macro, b?.macro_ci)];
    });
    return row([
      String(i.iteration),
      code(i.checkpoint),
      String(i.examples),
      precision,
      percentText(i.position_consistency),
      ...scores,
      pairedCell(i, benchmarks),
      ...(withGate ? [gateCell(arm, i)] : []),
    ]);
  });
  return [
    row(header),
    `| ${header.map((_, k) => (k === 0 || k === 2 ? "---:" : "---")).join(" | ")} |`,
    ...lines,
  ].join("\n");
}

/** One benchmark's categories for one arm: a row per category, a column per iteration. */
export function renderCategoryTable(arm: ArmResult, benchmark: string): string {
  const names = new Set<string>();
  for (const i of arm.iterations) {
    for (const name of Object.keys(i.benchmarks[benchmark]?.categories ?? {})) names.add(name);
  }
  const header = ["category", "n", ...arm.iterations.map((i) => `iteration ${i.iteration}`)];
  const lines = [...names].sort().map((name) => {
    const first = arm.iterations.find((i) => i.benchmarks[benchmark]?.categories[name]);
    const n = first?.benchmarks[benchmark]?.categories[name]?.n;
    return row([
      text(name),
      n === undefined ? "—" : String(n),
      ...arm.iterations.map((i) => {
        const c = i.benchmarks[benchmark]?.categories[name];
        return c ? accuracy(c.accuracy, c.ci) : "—";
      }),
    ]);
  });
  return [
    row(header),
    `| --- | ---: | ${header
      .slice(2)
      .map(() => "---:")
      .join(" | ")} |`,
    ...lines,
  ].join("\n");
}

const MARK = { true: "✓", false: "✗", null: "–" } as const;

/** The outcomes as a list: ✓ holds, ✗ does not, – could not be judged (an arm was not run). */
export function renderOutcomes(outcomes: readonly Outcome[]): string {
  return outcomes
    .map(
      (o) =>
        `- ${MARK[String(o.holds) as keyof typeof MARK]} **${o.id}**: ${cell(o.claim)}. ${cell(o.detail)}`,
    )
    .join("\n");
}

const jsonCell = (value: JsonValue) =>
  typeof value === "string"
    ? text(value)
    : typeof value === "number" || typeof value === "boolean"
      ? String(value)
      : code(JSON.stringify(value));

function worldTable(world: Record<string, JsonValue>): string[] {
  const entries = Object.entries(world);
  if (entries.length === 0) return ["(none recorded)"];
  return [
    "| parameter | value |",
    "| --- | --- |",
    ...entries.map(([k, v]) => row([text(k), jsonCell(v)])),
  ];
}

function armGateLine(arm: ArmResult): string[] {
  const gate = arm.gate;
  if (!gate) return [];
  const reasons = gate.reasons.length > 0 ? `: ${gate.reasons.join("; ")}` : "";
  return [
    "",
    `Default gates on the final candidate against the base: **${gate.promoted ? "promoted" : "rejected"}**${reasons}`,
  ];
}

function runSection(run: ExperimentRun, level: string): string[] {
  const benchmarks = benchmarkNames(run.arms);
  const arms = armEntries(run.arms);
  const outcomes = run.outcomes ?? checkOutcomes(run);
  return [
    `${level} Expected outcomes`,
    "",
    renderOutcomes(outcomes),
    "",
    `${level} Arms by iteration`,
    ...arms.flatMap(([name, arm]) => [
      "",
      `${level}# ${name}`,
      "",
      ...(describe(name) ? [`_${describe(name)}_`, ""] : []),
      renderArmTable(arm, benchmarks),
      ...armGateLine(arm),
    ]),
    "",
    `${level} Categories by iteration`,
    ...benchmarks.flatMap((benchmark) =>
      arms.flatMap(([name, arm]) => [
        "",
        `${level}# ${benchmark}, ${name}`,
        "",
        renderCategoryTable(arm, benchmark),
      ]),
    ),
  ];
}

function header(result: ExperimentResult): string[] {
  const runs = runsOf(result);
  const arms = armEntries(result.arms).map(([name]) => name);
  return [
    "# Self-improvement experiment",
    "",
    ...(result.simulated ? [SIMULATED_EXPERIMENT_BANNER, ""] : ["Run against real replicas.", ""]),
    `- Seed: ${result.seed}`,
    ...(result.iterations !== undefined ? [`- Iterations per arm: ${result.iterations}`] : []),
    ...(result.prompts !== undefined ? [`- Prompts per iteration: ${result.prompts}`] : []),
    `- Arms: ${arms.map((name) => code(name)).join(", ")}`,
    ...(runs.length > 1 || result.noise_levels
      ? [`- Generator noise levels: ${runs.map((r) => code(r.generator_noise)).join(", ")}`]
      : []),
    ...(result.generated_at ? [`- Date: ${result.generated_at}`] : []),
    "- Chart: [experiment.svg](experiment.svg); every number: `experiment.json`",
    "",
    "## World parameters",
    "",
    ...worldTable(result.world),
  ];
}

/** experiment.md: banner, parameters, outcomes, per-arm and per-category tables, caveats. */
export function renderExperimentMarkdown(result: ExperimentResult): string {
  const runs = runsOf(result);
  const body =
    runs.length === 1
      ? ["", ...runSection(runs[0]!, "##")]
      : runs.flatMap((run) => [
          "",
          `## Generator noise: ${run.generator_noise}`,
          ...(run.world ? ["", ...worldTable(run.world)] : []),
          "",
          ...runSection(run, "###"),
        ]);
  return [
    ...header(result),
    ...body,
    "",
    "## What this can and cannot show",
    "",
    WHAT_THIS_SHOWS,
    "",
  ].join("\n");
}
