/**
 * Builds the Grafana dashboard `jurist.json` from `dashboard-rows.ts`: rows stacked top to
 * bottom, panels left to right on Grafana's 24-column grid, every query on the dashboard's
 * Prometheus datasource variable. Run after changing the rows, then commit both files:
 *
 *   node --import=tsx deploy/grafana/build-dashboard.ts
 *
 * test/scenarios/observability/ checks that jurist.json is what this builds, and runs every query
 * against a real Prometheus.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type PanelSpec, type Query, ROWS, type RowSpec } from "./dashboard-rows.ts";

/** Where the dashboard is written; docker-compose and the Kubernetes ConfigMap read it. */
export const DASHBOARD_PATH = fileURLToPath(new URL("./jurist.json", import.meta.url));

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template
const DATASOURCE = { type: "prometheus", uid: "${datasource}" };
const PANEL_HEIGHT = 8;
const GRID_WIDTH = 24;

function target(query: Query, index: number, type: PanelSpec["type"]) {
  return {
    refId: String.fromCharCode(65 + index),
    datasource: DATASOURCE,
    expr: query.expr,
    legendFormat: query.legend ?? "__auto",
    range: !query.instant,
    instant: query.instant === true,
    ...(type === "heatmap" ? { format: "heatmap" } : {}),
    ...(type === "table" ? { format: "table" } : {}),
  };
}

/** Panel-type options Grafana would otherwise guess: how a stat reduces, how a heatmap reads. */
function options(type: NonNullable<PanelSpec["type"]>) {
  if (type === "stat" || type === "bargauge") {
    return { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false } };
  }
  if (type === "heatmap") return { calculate: false, yAxis: { axisPlacement: "left" } };
  if (type === "table") return { showHeader: true };
  return { legend: { displayMode: "list", placement: "bottom", showLegend: true } };
}

function panel(spec: PanelSpec, id: number, gridPos: object) {
  const type = spec.type ?? "timeseries";
  return {
    id,
    type,
    title: spec.title,
    description: spec.description,
    datasource: DATASOURCE,
    gridPos,
    fieldConfig: { defaults: spec.unit ? { unit: spec.unit } : {}, overrides: [] },
    options: options(type),
    targets: spec.queries.map((query, index) => target(query, index, type)),
  };
}

/** A row header and its panels, laid out from height `y`; returns them and the next free `y`. */
function layoutRow(row: RowSpec, firstId: number, y: number) {
  const panels: object[] = [
    {
      id: firstId,
      type: "row",
      title: row.title,
      collapsed: false,
      panels: [],
      gridPos: { h: 1, w: GRID_WIDTH, x: 0, y },
    },
  ];
  let x = 0;
  let top = y + 1;
  for (const spec of row.panels) {
    const w = spec.width ?? 8;
    if (x + w > GRID_WIDTH) {
      x = 0;
      top += PANEL_HEIGHT;
    }
    panels.push(panel(spec, firstId + panels.length, { h: PANEL_HEIGHT, w, x, y: top }));
    x += w;
  }
  return { panels, next: top + PANEL_HEIGHT };
}

/** The whole dashboard as Grafana's JSON model. */
export function buildDashboard() {
  const panels: object[] = [];
  let y = 0;
  for (const row of ROWS) {
    const laid = layoutRow(row, panels.length + 1, y);
    panels.push(...laid.panels);
    y = laid.next;
  }
  return {
    uid: "jurist",
    title: "Jurist",
    description:
      "Judge-as-a-service: traffic, latency, judge quality without labels, fleet, cache, collection, trainer, gates and champion. docs/operations.md explains each row and alert.",
    tags: ["jurist"],
    editable: true,
    graphTooltip: 1,
    refresh: "30s",
    schemaVersion: 39,
    version: 1,
    time: { from: "now-6h", to: "now" },
    timezone: "browser",
    annotations: { list: [] },
    links: [],
    templating: {
      list: [
        {
          name: "datasource",
          label: "Prometheus",
          type: "datasource",
          query: "prometheus",
          current: {},
          hide: 0,
          refresh: 1,
          regex: "",
          options: [],
        },
      ],
    },
    panels,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(DASHBOARD_PATH, `${JSON.stringify(buildDashboard(), null, 2)}\n`);
  // In the repository's JSON style, so `npm run lint` passes on the committed file.
  const biome = fileURLToPath(new URL("../../node_modules/.bin/biome", import.meta.url));
  const formatted = spawnSync(biome, ["format", "--write", DASHBOARD_PATH], { stdio: "inherit" });
  process.exitCode = formatted.status ?? 1;
}
