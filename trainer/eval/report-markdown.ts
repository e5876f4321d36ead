import type { Interval } from "./confidence-intervals.ts";
import type { CategoryReport } from "./eval-report.ts";
import type { EvaluationReport } from "./evaluation-report.ts";
import { renderScoringsMarkdown } from "./official-markdown.ts";
import { percentText } from "./percent-text.ts";

/** Malformed rows, skipped and failed items listed in full up to this many; report.json has all. */
export const LISTED_ROWS = 20;

/** The warning line of every report whose verdicts came from simulated replicas. */
export const SIMULATED_WARNING =
  "> **SIMULATED** — these verdicts come from simulated replicas, not a real judge model. " +
  "The numbers exercise the pipeline and say nothing about any model's quality.";

const interval = (ci: Interval | null) =>
  ci === null ? "—" : `${percentText(ci.low)} – ${percentText(ci.high)}`;
/** Table cells and list items are one line, and a `|` would split a cell. */
const cell = (text: string) => text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");

/** The headline table: overall, macro, consistency and invalid rate, each with its 95% CI. */
export function renderSummaryTable(
  report: Pick<
    EvaluationReport,
    "overall" | "macro" | "consistency" | "consistency_ci" | "invalid_rate" | "invalid_rate_ci"
  >,
): string {
  const rows: [string, number | null, Interval | null][] = [
    ["overall accuracy (micro)", report.overall.accuracy, report.overall.ci],
    ["macro accuracy", report.macro.accuracy, report.macro.ci],
    ["position consistency", report.consistency, report.consistency_ci],
    ["invalid rate (unparseable orders)", report.invalid_rate, report.invalid_rate_ci],
  ];
  return [
    "| metric | value | 95% CI |",
    "| --- | ---: | --- |",
    ...rows.map(([name, value, ci]) => `| ${name} | ${percentText(value)} | ${interval(ci)} |`),
  ].join("\n");
}

/** One row per category, in name order. */
export function renderCategoryTable(categories: Record<string, CategoryReport>): string {
  return [
    "| category | n | accuracy | 95% CI |",
    "| --- | ---: | ---: | --- |",
    ...Object.entries(categories).map(
      ([name, c]) => `| ${cell(name)} | ${c.n} | ${percentText(c.accuracy)} | ${interval(c.ci)} |`,
    ),
  ].join("\n");
}

function listed<T>(title: string, entries: readonly T[], line: (entry: T) => string): string[] {
  if (entries.length === 0) return [];
  const shown = entries.slice(0, LISTED_ROWS).map((entry) => `- ${cell(line(entry))}`);
  const more = entries.length - LISTED_ROWS;
  if (more > 0) shown.push(`- … and ${more} more (all in report.json)`);
  return ["", `## ${title} (${entries.length})`, "", ...shown];
}

function header(report: EvaluationReport): string[] {
  const { meta } = report;
  return [
    `# Evaluation of \`${meta.checkpoint}\` on ${meta.benchmark}`,
    "",
    ...(meta.simulated ? [SIMULATED_WARNING, ""] : []),
    `- Benchmark: ${meta.benchmark} (format ${meta.format}, file \`${meta.file}\`)`,
    `- Checkpoint: \`${meta.checkpoint}\``,
    `- Date: ${meta.generatedAt}`,
    `- Rows read: ${report.items} — judged ${report.judged}, skipped ${report.skipped}, ` +
      `failed ${report.failed}, malformed ${report.malformed}`,
    `- Unparseable verdicts: \`${meta.unparseable}\` policy (seed ${meta.seed})`,
    `- Chosen response stored first in ${report.chosen_first} of ` +
      `${report.judged + report.skipped + report.failed} items; both orders are judged, so ` +
      "this skew does not inflate accuracy",
  ];
}

/** The `report.md` of one evaluation. */
export function renderReportMarkdown(report: EvaluationReport): string {
  const location = (row: EvaluationReport["malformed_rows"][number]) =>
    "line" in row ? `line ${row.line}` : `row ${row.row}`;
  return [
    ...header(report),
    "",
    "## Summary (Jurist scoring: both orders averaged)",
    "",
    renderSummaryTable(report),
    "",
    "## Categories",
    "",
    renderCategoryTable(report.categories),
    ...renderScoringsMarkdown(report.scoring),
    ...listed("Skipped items", report.skipped_items, (i) => `\`${i.id}\` (${i.key}): ${i.reason}`),
    ...listed("Failed items", report.failed_items, (i) => `\`${i.id}\` (${i.key}): ${i.error}`),
    ...listed("Malformed rows", report.malformed_rows, (r) => `${location(r)}: ${r.reason}`),
    "",
  ].join("\n");
}
