import { readFileSync, writeFileSync } from "node:fs";
import { type BenchRow, renderTable } from "../bench-row.ts";
import { fixed, mebibytes } from "../latency-stats.ts";
import type { ImagePeakRss, ScenarioResult } from "./bench-results.ts";
import { describeFailures } from "./load-figures.ts";

const SERVER_NAMES: Record<ScenarioResult["server"], string> = {
  sim: "sim",
  proxy: "proxy",
  "image-proxy": "byte pass-through",
  "judge-proxy": "minimal judge proxy",
  "image-jurist": "Jurist",
  "image-jurist-redis": "Jurist + Redis",
  "image-jurist-collecting": "Jurist + Redis, collecting",
  jurist: "Jurist",
  "jurist-tsx": "Jurist via tsx",
  "jurist-redis": "Jurist + Redis",
  "jurist-collecting": "Jurist + Redis, collecting",
};

const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
/** A table's alignment row: one `l` (left) or `r` (right, numbers) per column. */
const alignment = (columns: string) => line([...columns].map((c) => (c === "r" ? "---:" : "---")));
const ratio = (value: number | null) => (value === null ? "" : `${fixed(value, 2)}×`);

/** The per-scenario table: what each server did under each load. */
export function scenarioTable(results: readonly ScenarioResult[]): string {
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
    alignment("lllrrrrrrrrrl"),
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
        ratio(result.ratioToProxy),
        fixed(result.serverCpuMicrosPerVerdict, 0),
        fixed(result.simCpuMicrosPerVerdict, 0),
        mebibytes(result.serverRssBytes),
        describeFailures(result.failures),
      ]),
    ),
  ].join("\n");
}

/**
 * The image scenarios' table (issue 21): CPU per verdict with its kernel part, page faults
 * per verdict, and Jurist's CPU over each same-run baseline's for the same payload.
 */
export function imageTable(results: readonly ScenarioResult[]): string {
  return [
    line([
      "Image scenario",
      "Server",
      "Conc.",
      "Verdicts/s",
      "p50 ms",
      "p99 ms",
      "Server CPU µs/verdict",
      "of it sys µs",
      "Page faults/verdict",
      "CPU × minimal judge proxy",
      "CPU × byte pass-through",
      "Replica CPU µs/verdict",
      "Failures",
    ]),
    alignment("llrrrrrrrrrrl"),
    ...results.map((result) =>
      line([
        result.label,
        SERVER_NAMES[result.server],
        String(result.connections),
        Math.round(result.verdictsPerSecond).toLocaleString("en"),
        fixed(result.p50, 1),
        fixed(result.p99, 1),
        Math.round(result.serverCpuMicrosPerVerdict).toLocaleString("en"),
        Math.round(result.serverSystemMicrosPerVerdict).toLocaleString("en"),
        Math.round(result.serverPageFaultsPerVerdict).toLocaleString("en"),
        ratio(result.cpuToJudgeProxy),
        ratio(result.cpuToPassThrough),
        Math.round(result.simCpuMicrosPerVerdict).toLocaleString("en"),
        describeFailures(result.failures),
      ]),
    ),
  ].join("\n");
}

/** One line per process of the peak RSS phase. */
export function peakRssLines(peak: ImagePeakRss): string {
  const one = (name: string, result: ImagePeakRss["jurist"]) =>
    `${name}: peak ${mebibytes(result.peakBytes)} (${result.method}; highest 20 ms sample ` +
    `${mebibytes(result.sampledPeakBytes)}), idle ${mebibytes(result.idleBytes)}, ` +
    `${result.requests} requests, failures ${describeFailures(result.failures)}`;
  return [
    `- ${one("Jurist", peak.jurist)}`,
    `- ${one("minimal judge proxy", peak.judgeProxy)}`,
  ].join("\n");
}

export interface Report {
  heading: string;
  setup: string;
  results: readonly ScenarioResult[];
  /** Setup of the image scenarios, printed above their table when any ran. */
  imageSetup: string;
  peak: ImagePeakRss | null;
  targets: readonly BenchRow[];
  command: string;
}

export function renderReport(report: Report): string {
  const tiny = report.results.filter((result) => result.images === null);
  const images = report.results.filter((result) => result.images !== null);
  return [
    `### ${report.heading}`,
    "",
    report.setup,
    "",
    ...(tiny.length > 0 ? [scenarioTable(tiny), ""] : []),
    ...(images.length > 0 || report.peak ? [report.imageSetup, ""] : []),
    ...(images.length > 0 ? [imageTable(images), ""] : []),
    ...(report.peak ? [peakRssLines(report.peak), ""] : []),
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
