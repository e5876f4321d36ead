import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import t from "tap";
import {
  ALERTS_PATH,
  dashboardQueries,
  PROMETHEUS_CONFIG_PATH,
  runbookAnchors,
  substituteVariables,
} from "../../contracts/observability/deploy-files.ts";
import { needs } from "../../helpers/required-tools.ts";
import { runTrainerIterations, sendTraffic, startObservedSystem } from "./observed-system.ts";
import { startPrometheus, type TestPrometheus } from "./prometheus-server.ts";

const TOOLS = needs(["prometheus", "promtool"], "apt-get install prometheus");

/**
 * The committed prometheus.yml with each target swapped for a test process, a 1 s scrape and
 * rule-evaluation interval and the rules file by absolute path. Each swap must find its text
 * exactly once, so a reshaped config fails here rather than testing something else.
 */
function testConfig(targets: { gateway: string; trainer: string; vllm: string }): string {
  const swaps: [string, string][] = [
    ["scrape_interval: 15s", "scrape_interval: 1s"],
    ["evaluation_interval: 15s", "evaluation_interval: 1s"],
    ["- alerts.yml", `- ${ALERTS_PATH}`],
    ["[gateway:8080]", `[${targets.gateway}]`],
    ["[trainer:9464]", `[${targets.trainer}]`],
    ["[vllm:8000]", `[${targets.vllm}]`],
  ];
  let config = readFileSync(PROMETHEUS_CONFIG_PATH, "utf8");
  for (const [from, to] of swaps) {
    if (config.split(from).length !== 2)
      throw new Error(`prometheus.yml: "${from}" not found once`);
    config = config.replace(from, to);
  }
  return config;
}

/**
 * Waits until every target is up and was scraped at least `scrapes` times since `since`
 * (Unix seconds): the window of `count_over_time` starts at or after `since`.
 */
async function scrapedSince(prometheus: TestPrometheus, since: number, scrapes: number) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const window = Math.floor(Date.now() / 1000 - since);
    if (window >= 1) {
      const expr = `min(count_over_time(up[${window}s])) and count(up == 1) == 3`;
      const answer = await prometheus.query(expr);
      const value = (answer.data?.result[0]?.value as [number, string] | undefined)?.[1];
      if (Number(value) >= scrapes) return;
    }
    await sleep(250);
  }
  throw new Error(`Prometheus did not scrape all three targets ${scrapes} times within 30 s`);
}

const hostOf = (url: string) => new URL(url).host;

t.test(
  "a real Prometheus scrapes a gateway under traffic: every dashboard query has data, every rule evaluates",
  TOOLS,
  async (t) => {
    const started = performance.now();
    const system = await startObservedSystem(t);
    const prometheus = await startPrometheus(
      t,
      testConfig({
        gateway: hostOf(system.gateway.url),
        trainer: hostOf(system.workerUrl),
        vllm: hostOf(system.sims[0]!.url),
      }),
    );
    // Prometheus's target discovery runs its first update up to 5 s after start: wait for the
    // first scrape, so series that exist from start have samples before the traffic.
    await scrapedSince(prometheus, Date.now() / 1000 - 60, 1);
    const statuses = await sendTraffic(system);
    t.ok(
      statuses.includes(200) && statuses.includes(400) && statuses.includes(404),
      "ok and bad requests sent",
    );
    runTrainerIterations(system.trainer);
    await scrapedSince(prometheus, Date.now() / 1000, 2);

    const queries = dashboardQueries();
    t.ok(queries.length >= 40, `${queries.length} dashboard queries`);
    for (const { panel, refId, expr } of queries) {
      const answer = await prometheus.query(substituteVariables(expr));
      t.equal(answer.status, "success", `${panel} [${refId}] parses: ${answer.error ?? ""}`);
      t.ok((answer.data?.result.length ?? 0) > 0, `${panel} [${refId}] returns data: ${expr}`);
    }

    const rules = await prometheus.rules();
    const alerts = runbookAnchors();
    t.same(rules.map((rule) => rule.name).sort(), [...alerts.keys()].sort(), "every rule loaded");
    for (const rule of rules) {
      const answer = await prometheus.query(rule.query);
      t.equal(
        answer.status,
        "success",
        `${rule.name} parses through the query API: ${answer.error ?? ""}`,
      );
      t.not(rule.lastEvaluation, "0001-01-01T00:00:00Z", `${rule.name} was evaluated`);
      t.equal(rule.health, "ok", `${rule.name} evaluates without error: ${rule.lastError ?? ""}`);
      for (const key of ["summary", "description", "runbook_url"]) {
        t.ok(rule.annotations[key], `${rule.name} has a ${key}`);
      }
    }
    t.comment(`Prometheus round trip took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  },
);

t.test("promtool accepts the rules and the scrape config", TOOLS, async (t) => {
  const rules = spawnSync("promtool", ["check", "rules", ALERTS_PATH], { encoding: "utf8" });
  t.equal(rules.status, 0, `promtool check rules: ${rules.stdout}${rules.stderr}`);
  const config = spawnSync("promtool", ["check", "config", PROMETHEUS_CONFIG_PATH], {
    encoding: "utf8",
  });
  t.equal(config.status, 0, `promtool check config: ${config.stdout}${config.stderr}`);
});
