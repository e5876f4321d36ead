import { readFileSync, writeFileSync } from "node:fs";
import { type BenchRow, renderTable } from "../bench-row.ts";
import { fixed, mebibytes } from "../latency-stats.ts";
import type { ScenarioResult } from "./bench-results.ts";
import { describeFailures } from "./load-figures.ts";

const SERVER_NAMES: Record<ScenarioResult["server"], string> = {
  sim: "sim",
  proxy: "proxy",
  jurist: "Jurist",
  "jurist-tsx": "Jurist via tsx",
  "jurist-redis": "Jurist + Redis",
  "jurist-collecting": "Jurist + Redis, collecting",
};

/** The per-scenario table: what each server did under each load. */
export function scenarioTable(results: readonly ScenarioResult[]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [
    line([
      "Scenario",
      "Server",
      "Transport",
      "Conc.",
      "Verdicts/s",
      "p50 ms",
      "p99 ms",
      "p50 over direct",
      "× proxy",
      "Server CPU µs/verdict",
      "Sim CPU µs/verdict",
      "Server RSS",
      "Failures",
    ]),
    line([
      "---",
      "---",
      "---",
      "---:",
      "---:",
      "---:",
      "---:",
      "---:",
      "---:",
      "---:",
      "---:",
      "---:",
      "---",
    ]),
    ...results.map((result) =>
      line([
        result.label,
        SERVER_NAMES[result.server],
        result.transport === "grpc" ? "gRPC" : "HTTP",
        String(result.connections),
        Math.round(result.verdictsPerSecond).toLocaleString("en"),
        fixed(result.p50, 2),
        fixed(result.p99, 2),
        result.overheadP50Ms === null ? "" : `${fixed(result.overheadP50Ms, 2)} ms`,
        result.ratioToProxy === null ? "" : `${fixed(result.ratioToProxy, 2)}×`,
        fixed(result.serverCpuMicrosPerVerdict, 0),
        fixed(result.simCpuMicrosPerVerdict, 0),
        mebibytes(result.serverRssBytes),
        describeFailures(result.failures),
      ]),
    ),
  ].join("\n");
}

export interface Report {
  heading: string;
  setup: string;
  results: readonly ScenarioResult[];
  targets: readonly BenchRow[];
  command: string;
}

export function renderReport(report: Report): string {
  return [
    `### ${report.heading}`,
    "",
    report.setup,
    "",
    scenarioTable(report.results),
    "",
    renderTable(report.targets),
    "",
    "```sh",
    report.command,
    "```",
  ].join("\n");
}

const BEGIN = "<!-- bench:begin (npm run bench writes between these lines) -->";
const END = "<!-- bench:end -->";

/** Replaces the generated block of `file` (RESULTS.md) with `markdown`. */
export function writeIntoResults(file: string, markdown: string): void {
  const text = readFileSync(file, "utf8");
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${file} has no ${BEGIN} … ${END} block`);
  writeFileSync(file, `${text.slice(0, start + BEGIN.length)}\n${markdown}\n${text.slice(end)}`);
}
