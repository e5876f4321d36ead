import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { parse } from "yaml";
import { ROWS } from "../../../deploy/grafana/dashboard-rows.ts";
import { ALERTS_PATH, headingAnchor, ROOT } from "./deploy-files.ts";

/** Where the runbooks live, relative to the repository (as the alerts' links are). */
const RUNBOOKS = "docs/operations.md";

function operations(): string {
  const path = join(ROOT, RUNBOOKS);
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}

/** The anchors of every heading of a Markdown text, fenced code left out. */
function headingAnchors(markdown: string): Set<string> {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, "");
  return new Set(
    [...prose.matchAll(/^#{1,6} (.+)$/gm)].map(([, heading]) => headingAnchor(heading!)),
  );
}

interface AlertRule {
  alert?: string;
  annotations?: Record<string, string>;
}

/** Each alert of alerts.yml with its `runbook_url` annotation ("" when it has none). */
function runbookUrls(): Map<string, string> {
  const rules = parse(readFileSync(ALERTS_PATH, "utf8")) as { groups: { rules: AlertRule[] }[] };
  const urls = new Map<string, string>();
  for (const group of rules.groups) {
    for (const rule of group.rules) {
      if (rule.alert) urls.set(rule.alert, rule.annotations?.runbook_url ?? "");
    }
  }
  return urls;
}

t.test("every alert's runbook link lands on its entry in docs/operations.md", async (t) => {
  const text = operations();
  t.ok(text, `${RUNBOOKS} exists`);
  const anchors = headingAnchors(text);
  const alerts = runbookUrls();
  t.equal(
    alerts.size,
    10,
    "the seven alerts the issue asks for, and issue 20's replica missing the champion, JuristRedisErrors and JuristRedisLegacyKeys",
  );
  for (const [alert, url] of alerts) {
    const anchor = headingAnchor(alert);
    t.equal(url, `${RUNBOOKS}#${anchor}`, `${alert} links to a heading named after it`);
    t.ok(anchors.has(anchor), `${alert}: ${RUNBOOKS} has #${anchor}`);
  }
});

t.test("docs/operations.md explains every dashboard row", async (t) => {
  const text = operations();
  for (const row of ROWS) t.match(text, `**${row.title}**`, row.title);
});

t.test("headings become GitHub's anchors", async (t) => {
  t.equal(headingAnchor("JuristHighP99Latency"), "juristhighp99latency");
  t.equal(headingAnchor("What to watch"), "what-to-watch");
  t.equal(headingAnchor("`jurist eval`"), "jurist-eval");
  t.same(
    headingAnchors("# A\n```sh\n# not a heading\n```\n## Alerts and runbooks\n"),
    new Set(["a", "alerts-and-runbooks"]),
  );
});
