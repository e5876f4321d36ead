/** One line of the results table: a figure, its target and a baseline from the same run. */
export interface BenchRow {
  measure: string;
  result: string;
  target: string;
  /** Measured (or configured) in the same run, next to the figure for comparison. */
  baseline: string;
  met: boolean;
}

/** The Markdown table of `rows`; a missed target reads **MISSED**. */
export function renderTable(rows: readonly BenchRow[]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [
    line(["Measure", "Result", "Target", "Baseline (same run)", "Status"]),
    line(["---", "---:", "---", "---", "---"]),
    ...rows.map((row) =>
      line([row.measure, row.result, row.target, row.baseline, row.met ? "ok" : "**MISSED**"]),
    ),
  ].join("\n");
}
