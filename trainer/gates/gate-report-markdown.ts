import type { GateReport } from "./run-gates.ts";

const pct = (value: number | null | undefined) =>
  value === null || value === undefined ? "—" : `${(100 * value).toFixed(1)}%`;
const signedPoints = (value: number) =>
  `${value >= 0 ? "+" : "−"}${(100 * Math.abs(value)).toFixed(1)}`;
const interval = (ci: { low: number; high: number } | null | undefined) =>
  ci ? `[${signedPoints(ci.low)}, ${signedPoints(ci.high)}]` : "—";

/** The gate report as Markdown: the verdict, each gate and why, then per-benchmark tables. */
export function renderGateReport(report: GateReport): string {
  const lines = [
    `# Gate report: ${report.candidate}`,
    "",
    report.simulated
      ? "> **SIMULATED**: judged on simulated replicas and/or simulated benchmark files; these numbers say nothing about a real judge."
      : "",
    "",
    `Candidate \`${report.candidate}\` against champion \`${report.champion}\`, ${report.generatedAt}.`,
    "",
    `**Verdict: ${report.passed ? "PASSED — every gate passed" : "REJECTED — a gate failed"}**`,
    "",
    "| gate | benchmark | rule | result | why |",
    "| --- | --- | --- | --- | --- |",
    ...report.gates.map(
      (gate) =>
        `| ${gate.name} | ${gate.benchmark ?? "shadow traffic"} | ${gate.rule} | ${gate.passed ? "pass" : "**FAIL**"} | ${gate.reason} |`,
    ),
  ];
  for (const [name, evaluation] of Object.entries(report.evaluations)) {
    const { comparison, consistency } = evaluation;
    lines.push(
      "",
      `## ${name}`,
      "",
      `${comparison.items} paired items; exact McNemar b=${comparison.mcnemar.b}, c=${comparison.mcnemar.c}, p=${comparison.mcnemar.p_value.toPrecision(3)}.`,
      "",
      "| metric | champion | candidate | difference (pts) | 95% paired CI (pts) |",
      "| --- | ---: | ---: | ---: | --- |",
      `| overall | ${pct(comparison.overall.champion)} | ${pct(comparison.overall.candidate)} | ${signedPoints(comparison.overall.difference)} | ${interval(comparison.overall.ci)} |`,
      `| macro | ${pct(comparison.macro.champion)} | ${pct(comparison.macro.candidate)} | ${signedPoints(comparison.macro.difference)} | ${interval(comparison.macro.ci)} |`,
    );
    if (consistency) {
      lines.push(
        `| consistency | ${pct(consistency.overall.champion)} | ${pct(consistency.overall.candidate)} | ${signedPoints(consistency.overall.difference)} | ${interval(consistency.overall.ci)} |`,
      );
    }
    for (const [category, diff] of Object.entries(comparison.categories)) {
      lines.push(
        `| ${category} (n=${diff.n}) | ${pct(diff.champion)} | ${pct(diff.candidate)} | ${signedPoints(diff.difference)} | ${interval(diff.ci)} |`,
      );
    }
    lines.push(
      "",
      `Invalid rate: champion ${pct(evaluation.champion.invalid_rate)}, candidate ${pct(evaluation.candidate.invalid_rate)}.`,
    );
  }
  return `${lines.filter((line, i, all) => !(line === "" && all[i - 1] === "")).join("\n")}\n`;
}
