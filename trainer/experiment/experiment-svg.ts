import { ARMS } from "./experiment-args.ts";
import {
  type ArmResult,
  armEntries,
  benchmarkNames,
  type ExperimentResult,
  type ExperimentRun,
  type IterationResult,
  runsOf,
} from "./experiment-result.ts";

// experiment.svg, written by hand so the report needs no charting dependency: per run (one per
// generator noise level) a main panel of vlrb macro accuracy by iteration with a line per arm,
// then small multiples, one per benchmark category, with the same lines.

/** Each arm's colour and dash: distinct in colour, and apart in print or to colour-blind eyes. */
export const ARM_STYLES: Readonly<Record<string, { colour: string; dash: string }>> = {
  paper: { colour: "#1f77b4", dash: "" },
  "no-filter": { colour: "#ff7f0e", dash: "6 3" },
  "one-order": { colour: "#2ca02c", dash: "2 3" },
  gold: { colour: "#9467bd", dash: "8 3 2 3" },
  flipped: { colour: "#d62728", dash: "4 4" },
};
const SPARE_COLOURS = ["#8c564b", "#e377c2", "#7f7f7f", "#17becf", "#bcbd22"];

/** Text and attribute values escaped for XML. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const WIDTH = 980;
const MAIN = { width: 620, height: 300 };
const SMALL = { width: 210, height: 150, columns: 4 };
const MARGIN = { left: 56, right: 12, top: 30, bottom: 40 };
const FONT = 'font-family="sans-serif"';

/** A [low, high] accuracy range around the data, on round ticks. */
export function niceScale(values: readonly number[], maxTicks = 6) {
  let low = values.length > 0 ? Math.min(...values) : 0;
  let high = values.length > 0 ? Math.max(...values) : 1;
  if (high - low < 0.02) {
    low -= 0.01;
    high += 0.01;
  }
  const step =
    [0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25].find((s) => (high - low) / s <= maxTicks) ??
    0.5;
  low = Number(Math.max(0, Math.floor(low / step - 1e-9) * step).toFixed(6));
  high = Number(Math.min(1, Math.ceil(high / step + 1e-9) * step).toFixed(6));
  const ticks: number[] = [];
  for (let t = low; t <= high + step / 1e6; t += step) ticks.push(Number(t.toFixed(6)));
  return { low, high, ticks };
}

function styleOf(arm: string, index: number) {
  return ARM_STYLES[arm] ?? { colour: SPARE_COLOURS[index % SPARE_COLOURS.length]!, dash: "" };
}

interface Series {
  arm: string;
  points: { iteration: number; value: number }[];
}

interface PanelSpec {
  x: number;
  y: number;
  width: number;
  height: number;
  title: string;
  name: string;
  series: Series[];
  maxIteration: number;
  yLabel?: string;
  armIndex: (arm: string) => number;
}

const f = (value: number) => value.toFixed(1);

function axes(
  spec: PanelSpec,
  sx: (i: number) => number,
  sy: (v: number) => number,
  ticks: number[],
) {
  const plotW = spec.width - MARGIN.left - MARGIN.right;
  const bottom = spec.height - MARGIN.bottom;
  const parts: string[] = [];
  // One decimal on every label when any tick needs one (57.5%), none otherwise (60%).
  const tenths = ticks.map((tick) => Math.round(tick * 1000) / 10);
  const decimals = tenths.every(Number.isInteger) ? 0 : 1;
  for (const [k, tick] of ticks.entries()) {
    const y = f(sy(tick));
    parts.push(
      `<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + plotW}" y2="${y}" stroke="#e5e5e5"/>`,
      `<line x1="${MARGIN.left - 4}" y1="${y}" x2="${MARGIN.left}" y2="${y}" stroke="#333"/>`,
      `<text x="${MARGIN.left - 7}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="10">${tenths[k]!.toFixed(decimals)}%</text>`,
    );
  }
  for (let i = 0; i <= spec.maxIteration; i++) {
    const x = f(sx(i));
    parts.push(
      `<line x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + 4}" stroke="#333"/>`,
      `<text x="${x}" y="${bottom + 15}" text-anchor="middle" font-size="10">${i}</text>`,
    );
  }
  parts.push(
    `<line x1="${MARGIN.left}" y1="${bottom}" x2="${MARGIN.left + plotW}" y2="${bottom}" stroke="#333"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${bottom}" stroke="#333"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${spec.height - 6}" text-anchor="middle" font-size="11">iteration</text>`,
  );
  if (spec.yLabel) {
    const middle = (MARGIN.top + bottom) / 2;
    parts.push(
      `<text x="14" y="${middle}" text-anchor="middle" font-size="11" transform="rotate(-90 14 ${middle})">${escapeXml(spec.yLabel)}</text>`,
    );
  }
  return parts;
}

function lines(spec: PanelSpec, sx: (i: number) => number, sy: (v: number) => number): string[] {
  return spec.series.flatMap(({ arm, points }) => {
    if (points.length === 0) return [];
    const { colour, dash } = styleOf(arm, spec.armIndex(arm));
    const coordinates = points.map((p) => `${f(sx(p.iteration))},${f(sy(p.value))}`).join(" ");
    const dashed = dash ? ` stroke-dasharray="${dash}"` : "";
    return [
      `<polyline class="series" data-arm="${escapeXml(arm)}" points="${coordinates}" fill="none" stroke="${colour}" stroke-width="2"${dashed}/>`,
      ...points.map(
        (p) =>
          `<circle cx="${f(sx(p.iteration))}" cy="${f(sy(p.value))}" r="3" fill="${colour}"><title>${escapeXml(`${arm}, iteration ${p.iteration}: ${(100 * p.value).toFixed(1)}%`)}</title></circle>`,
      ),
    ];
  });
}

function panel(spec: PanelSpec): string {
  const plotW = spec.width - MARGIN.left - MARGIN.right;
  const plotH = spec.height - MARGIN.top - MARGIN.bottom;
  const scale = niceScale(spec.series.flatMap((s) => s.points.map((p) => p.value)));
  const sx = (i: number) =>
    MARGIN.left + (spec.maxIteration === 0 ? plotW / 2 : (plotW * i) / spec.maxIteration);
  const sy = (v: number) =>
    MARGIN.top + plotH * (1 - (v - scale.low) / (scale.high - scale.low || 1));
  return [
    `<g class="panel" data-panel="${escapeXml(spec.name)}" transform="translate(${spec.x} ${spec.y})">`,
    `<text x="${MARGIN.left}" y="16" font-size="${spec.name === "main" ? 14 : 11}" font-weight="bold">${escapeXml(spec.title)}</text>`,
    ...axes(spec, sx, sy, scale.ticks),
    ...lines(spec, sx, sy),
    "</g>",
  ].join("\n");
}

function seriesOf(
  arms: [string, ArmResult][],
  value: (i: IterationResult) => number | null | undefined,
): Series[] {
  return arms.map(([arm, result]) => ({
    arm,
    points: result.iterations.flatMap((i) => {
      const v = value(i);
      return v === null || v === undefined ? [] : [{ iteration: i.iteration, value: v }];
    }),
  }));
}

function legend(
  arms: [string, ArmResult][],
  x: number,
  y: number,
  armIndex: (arm: string) => number,
): string {
  const descriptions = new Map<string, string>(ARMS.map((arm) => [arm.name, arm.description]));
  const items = arms.map(([arm], k) => {
    const { colour, dash } = styleOf(arm, armIndex(arm));
    const top = y + 22 * k;
    const dashed = dash ? ` stroke-dasharray="${dash}"` : "";
    const title = descriptions.get(arm);
    return [
      `<g class="legend-item" data-arm="${escapeXml(arm)}">`,
      `<line x1="${x}" y1="${top}" x2="${x + 28}" y2="${top}" stroke="${colour}" stroke-width="2"${dashed}/>`,
      `<text x="${x + 36}" y="${top}" dominant-baseline="middle" font-size="12">${escapeXml(arm)}${title ? `<title>${escapeXml(title)}</title>` : ""}</text>`,
      "</g>",
    ].join("");
  });
  return [
    `<g class="legend">`,
    `<text x="${x}" y="${y - 18}" font-size="12" font-weight="bold">arms</text>`,
    ...items,
    "</g>",
  ].join("\n");
}

function categoryPanels(run: ExperimentRun, arms: [string, ArmResult][]) {
  return benchmarkNames(run.arms).flatMap((benchmark) => {
    const names = new Set<string>();
    for (const [, arm] of arms) {
      for (const i of arm.iterations) {
        for (const name of Object.keys(i.benchmarks[benchmark]?.categories ?? {})) names.add(name);
      }
    }
    return [...names].sort().map((category) => ({
      benchmark,
      category,
      series: seriesOf(arms, (i) => i.benchmarks[benchmark]?.categories[category]?.accuracy),
    }));
  });
}

/** One run's main panel, legend and small multiples, from `top`; returns the markup and its height. */
function runSection(run: ExperimentRun, top: number, heading: string | null) {
  const arms = armEntries(run.arms);
  const armIndex = (arm: string) => arms.findIndex(([name]) => name === arm);
  const maxIteration = Math.max(
    0,
    ...arms.flatMap(([, a]) => a.iterations.map((i) => i.iteration)),
  );
  const parts: string[] = [];
  let y = top;
  if (heading) {
    parts.push(
      `<text x="16" y="${y + 18}" font-size="15" font-weight="bold">${escapeXml(heading)}</text>`,
    );
    y += 28;
  }
  parts.push(
    panel({
      x: 0,
      y,
      ...MAIN,
      title: "vlrb macro accuracy by iteration",
      name: "main",
      series: seriesOf(arms, (i) => i.benchmarks.vlrb?.macro),
      maxIteration,
      yLabel: "macro accuracy",
      armIndex,
    }),
    legend(arms, MAIN.width + 30, y + 60, armIndex),
  );
  y += MAIN.height + 10;
  const small = categoryPanels(run, arms);
  small.forEach((p, k) => {
    parts.push(
      panel({
        x: (k % SMALL.columns) * (WIDTH / SMALL.columns),
        y: y + Math.floor(k / SMALL.columns) * (SMALL.height + 8),
        width: WIDTH / SMALL.columns - 8,
        height: SMALL.height,
        title: `${p.benchmark} · ${p.category}`,
        name: `${p.benchmark}/${p.category}`,
        series: p.series,
        maxIteration,
        armIndex,
      }),
    );
  });
  y += Math.ceil(small.length / SMALL.columns) * (SMALL.height + 8);
  return { markup: parts.join("\n"), height: y - top };
}

/** experiment.svg: a standalone, dependency-free SVG document. */
export function renderExperimentSvg(result: ExperimentResult): string {
  const runs = runsOf(result);
  const title = `Self-improvement experiment${result.simulated ? " — SIMULATED world, not a real model" : ""}`;
  const sections: string[] = [];
  let y = 44;
  for (const run of runs) {
    const heading =
      runs.length > 1 || run.generator_noise ? `generator noise: ${run.generator_noise}` : null;
    const section = runSection(run, y, heading);
    sections.push(section.markup);
    y += section.height + 16;
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" ${FONT}>`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${WIDTH}" height="${y}" fill="#ffffff"/>`,
    `<text x="16" y="26" font-size="18" font-weight="bold"${result.simulated ? ' fill="#b00020"' : ""}>${escapeXml(title)}</text>`,
    ...sections,
    "</svg>",
    "",
  ].join("\n");
}
