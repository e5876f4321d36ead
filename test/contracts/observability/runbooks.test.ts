import { readFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { ROWS } from "../../../deploy/grafana/dashboard-rows.ts";
import { headingAnchor, ROOT, runbookAnchors } from "./deploy-files.ts";

/** README's "Operations" section, up to the next top-level section. */
function operations(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf("\n## Operations\n");
  const end = readme.indexOf("\n## ", start + 1);
  return start < 0 ? "" : readme.slice(start, end < 0 ? undefined : end);
}

t.test(
  "every alert's runbook link lands on its entry in README's Operations section",
  async (t) => {
    const section = operations();
    t.ok(section, "README has an Operations section");
    const anchors = new Set(
      [...section.matchAll(/^#{2,4} (.+)$/gm)].map(([, heading]) => headingAnchor(heading!)),
    );
    const alerts = runbookAnchors();
    t.equal(alerts.size, 7, "the seven alerts the issue asks for");
    for (const [alert, anchor] of alerts) {
      t.equal(anchor, headingAnchor(alert), `${alert} links to a heading named after it`);
      t.ok(anchors.has(anchor), `${alert}: README has #${anchor}`);
    }
  },
);

t.test("README's Operations section explains every dashboard row", async (t) => {
  const section = operations();
  for (const row of ROWS) t.match(section, `**${row.title}**`, row.title);
});

t.test("headings become GitHub's anchors", async (t) => {
  t.equal(headingAnchor("JuristHighP99Latency"), "juristhighp99latency");
  t.equal(headingAnchor("What to watch"), "what-to-watch");
  t.equal(headingAnchor("`jurist eval`"), "jurist-eval");
});
