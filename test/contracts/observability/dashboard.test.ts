import { readFileSync } from "node:fs";
import t from "tap";
import { buildDashboard } from "../../../deploy/grafana/build-dashboard.ts";
import { DASHBOARD_JSON_PATH, dashboardPanels, dashboardQueries } from "./deploy-files.ts";

t.test("jurist.json is what build-dashboard.ts makes", async (t) => {
  t.same(
    JSON.parse(readFileSync(DASHBOARD_JSON_PATH, "utf8")),
    buildDashboard(),
    "run: node --import=tsx deploy/grafana/build-dashboard.ts",
  );
});

t.test("the dashboard has the rows ops asked for, in order", async (t) => {
  const rows = (buildDashboard().panels as { type: string; title: string }[])
    .filter((panel) => panel.type === "row")
    .map((row) => row.title);
  t.same(rows, [
    "Traffic",
    "Latency",
    "Judge quality (no labels needed)",
    "Fleet",
    "Cache",
    "Collection",
    "Trainer",
    "Gates and champion history",
  ]);
});

t.test("every panel queries the datasource variable and fits the grid", async (t) => {
  const panels = dashboardPanels();
  const ids = (buildDashboard().panels as { id: number }[]).map((panel) => panel.id);
  t.equal(new Set(ids).size, ids.length, "panel ids are unique");
  for (const panel of panels as unknown as {
    title: string;
    description?: string;
    datasource: { uid: string };
    gridPos: { x: number; w: number };
    targets: unknown[];
  }[]) {
    t.ok(panel.targets.length > 0, `${panel.title} has a query`);
    t.ok(panel.description, `${panel.title} says what it shows`);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax
    t.equal(panel.datasource.uid, "${datasource}", `${panel.title} uses the variable`);
    t.ok(panel.gridPos.x + panel.gridPos.w <= 24, `${panel.title} fits the 24-column grid`);
  }
  for (const { panel, expr } of dashboardQueries()) {
    t.notMatch(
      expr,
      /\$(?!__(rate_interval|interval|range)\b)/,
      `${panel}: Grafana variables only`,
    );
  }
});
