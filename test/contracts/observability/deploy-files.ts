import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const ALERTS_PATH = join(ROOT, "deploy/prometheus/alerts.yml");
export const PROMETHEUS_CONFIG_PATH = join(ROOT, "deploy/prometheus/prometheus.yml");
export const DASHBOARD_JSON_PATH = join(ROOT, "deploy/grafana/jurist.json");

/** One query of the committed dashboard, with the panel it belongs to. */
export interface DashboardQuery {
  panel: string;
  refId: string;
  expr: string;
}

interface PanelJson {
  type: string;
  title: string;
  targets?: { refId: string; expr: string }[];
  panels?: PanelJson[];
}

/** Every panel of the committed dashboard (rows excluded, collapsed rows' panels included). */
export function dashboardPanels(): PanelJson[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD_JSON_PATH, "utf8")) as {
    panels: PanelJson[];
  };
  return dashboard.panels.flatMap((panel) =>
    panel.type === "row" ? (panel.panels ?? []) : [panel],
  );
}

/** Every `targets[].expr` of the committed dashboard. */
export function dashboardQueries(): DashboardQuery[] {
  return dashboardPanels().flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      panel: panel.title,
      refId: target.refId,
      expr: target.expr,
    })),
  );
}

/**
 * Grafana's built-in interval variables as Grafana would fill them for a 1 s scrape interval
 * and a recent range: windows wide enough to span every sample the test made.
 */
const GRAFANA_VARIABLES: Readonly<Record<string, string>> = {
  $__rate_interval: "1m",
  $__interval: "15s",
  $__range: "1h",
};

/** `expr` as Prometheus gets it from Grafana; throws on a variable it does not know. */
export function substituteVariables(expr: string): string {
  let result = expr;
  for (const [name, value] of Object.entries(GRAFANA_VARIABLES)) {
    result = result.replaceAll(name, value);
  }
  if (result.includes("$")) throw new Error(`an unknown Grafana variable in: ${expr}`);
  return result;
}

/** Names of Jurist's and Node's metrics a query text mentions (`jurist_*`, `nodejs_*`, `process_*`). */
export function metricNamesIn(text: string): Set<string> {
  return new Set(text.match(/\b(?:jurist|nodejs|process)_[a-zA-Z0-9_]+/g) ?? []);
}

/**
 * The sample names an exposition text can have: each family's name, plus `_bucket`, `_sum`
 * and `_count` for histograms and summaries.
 */
export function exposedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === "histogram" || type === "summary") {
      for (const suffix of ["_bucket", "_sum", "_count"]) names.add(`${name}${suffix}`);
    }
  }
  return names;
}

/** The `#anchor` of each `runbook_url` in alerts.yml, by alert name. */
export function runbookAnchors(): Map<string, string> {
  const text = readFileSync(ALERTS_PATH, "utf8");
  const anchors = new Map<string, string>();
  for (const block of text.split(/^\s+- alert: /m).slice(1)) {
    const name = block.split(/\s/, 1)[0]!;
    anchors.set(name, /runbook_url: docs\/operations\.md#(\S+)/.exec(block)?.[1] ?? "");
  }
  return anchors;
}

/** GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces to dashes. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}
