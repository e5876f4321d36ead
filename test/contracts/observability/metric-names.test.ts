import { readFileSync } from "node:fs";
import t from "tap";
import { startGateway } from "../../helpers/gateway.ts";
import { ALERTS_PATH, DASHBOARD_JSON_PATH, exposedNames, metricNamesIn } from "./deploy-files.ts";

// The trainer worker serves the same registry definition (createMetrics) as the gateway, so
// one gateway's /metrics lists every name either process can export.
t.test(
  "every metric the dashboard and the alert rules name is in a gateway's /metrics",
  async (t) => {
    const { fastify } = await startGateway(t, { replicas: 1 });
    const exposition = (await fastify.inject({ method: "GET", url: "/metrics" })).body;
    const exposed = exposedNames(exposition);
    for (const [file, path] of [
      ["jurist.json", DASHBOARD_JSON_PATH],
      ["alerts.yml", ALERTS_PATH],
    ] as const) {
      const used = metricNamesIn(readFileSync(path, "utf8"));
      t.ok(used.size > 5, `${file} names ${used.size} metrics`);
      for (const name of used) t.ok(exposed.has(name), `${file}: ${name} is exported`);
    }
  },
);

t.test("names are read the way the check above relies on", async (t) => {
  const query = "histogram_quantile(0.9, sum by (le) (rate(jurist_a_bucket[5m]))) / nodejs_b";
  t.same([...metricNamesIn(query)], ["jurist_a_bucket", "nodejs_b"]);
  const exposed = exposedNames("# TYPE jurist_h histogram\n# TYPE jurist_c_total counter\n");
  t.same([...exposed].sort(), [
    "jurist_c_total",
    "jurist_h",
    "jurist_h_bucket",
    "jurist_h_count",
    "jurist_h_sum",
  ]);
});
