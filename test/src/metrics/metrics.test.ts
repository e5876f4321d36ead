import t from "tap";
import { replicaId } from "../../../src/engine/replica-id.ts";
import { createMetrics, type FleetGaugeSnapshot } from "../../../src/metrics/metrics.ts";

const OURS = [
  "jurist_http_requests_total",
  "jurist_http_request_duration_seconds",
  "jurist_engine_requests_total",
  "jurist_engine_request_duration_seconds",
  "jurist_engine_retries_total",
  "jurist_engine_retry_budget_exhausted_total",
  "jurist_engine_hedged_requests_total",
  "jurist_replica_ejections_total",
  "jurist_replica_healthy",
  "jurist_replica_ejected",
  "jurist_replica_in_flight",
  "jurist_replica_engine_requests",
  "jurist_replicas",
  "jurist_shed_requests_total",
  "jurist_admission_wait_seconds",
  "jurist_gateway_peers",
  "jurist_replica_admission_limit",
  "jurist_gateway_peers_failures_total",
  "jurist_verdicts_total",
  "jurist_verdict_consistent_total",
  "jurist_verdict_margin",
];

function replica(url: string, overrides: Partial<FleetGaugeSnapshot> = {}): FleetGaugeSnapshot {
  return { url, healthy: true, ejected: false, inFlight: 0, running: 0, waiting: 0, ...overrides };
}

/** The sample lines of one metric family, without HELP/TYPE comments. */
function samples(text: string, name: string): string[] {
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

t.test("the registry exposes every jurist metric and Node's default metrics", async (t) => {
  const metrics = createMetrics();
  const text = await metrics.registry.metrics();
  for (const name of OURS) t.match(text, `# TYPE ${name} `, name);
  t.match(text, /^process_cpu_user_seconds_total /m);
  t.match(text, /^nodejs_heap_size_total_bytes /m);
  t.notMatch(text, /^jurist_process_/m, "default metrics keep their standard names");
});

t.test("two metrics objects share no state", async (t) => {
  const first = createMetrics();
  const second = createMetrics();
  t.not(first.registry, second.registry);
  first.engine.requests.inc({ replica: "http://a", outcome: "ok" });
  first.engine.retryBudgetExhausted.inc();
  const firstText = await first.registry.metrics();
  const secondText = await second.registry.metrics();
  t.same(samples(firstText, "jurist_engine_requests_total"), [
    'jurist_engine_requests_total{replica="http://a",outcome="ok"} 1',
  ]);
  t.same(samples(secondText, "jurist_engine_requests_total"), []);
  t.same(samples(firstText, "jurist_engine_retry_budget_exhausted_total"), [
    "jurist_engine_retry_budget_exhausted_total 1",
  ]);
  t.same(samples(secondText, "jurist_engine_retry_budget_exhausted_total"), [
    "jurist_engine_retry_budget_exhausted_total 0",
  ]);
});

// The fleet names replicas by URL; the labels carry their ids (never the URL: /metrics is open).
const A = replicaId("http://a");
const B = replicaId("http://b");
const C = replicaId("http://c");

t.test("fleet gauges follow the snapshot callback and drop replicas that leave", async (t) => {
  const metrics = createMetrics();
  let fleet = [
    replica("http://a", { inFlight: 3, running: 2, waiting: 5 }),
    replica("http://b", { healthy: false, ejected: true }),
  ];
  let reads = 0;
  metrics.observeFleet(() => {
    reads += 1;
    return fleet;
  });

  let text = await metrics.registry.metrics();
  t.equal(reads, 1, "one scrape reads the fleet once for all gauges");
  t.same(samples(text, "jurist_replicas"), ["jurist_replicas 2"]);
  t.same(samples(text, "jurist_replica_healthy"), [
    `jurist_replica_healthy{replica="${A}"} 1`,
    `jurist_replica_healthy{replica="${B}"} 0`,
  ]);
  t.same(samples(text, "jurist_replica_ejected"), [
    `jurist_replica_ejected{replica="${A}"} 0`,
    `jurist_replica_ejected{replica="${B}"} 1`,
  ]);
  t.same(samples(text, "jurist_replica_in_flight"), [
    `jurist_replica_in_flight{replica="${A}"} 3`,
    `jurist_replica_in_flight{replica="${B}"} 0`,
  ]);
  t.same(samples(text, "jurist_replica_engine_requests"), [
    `jurist_replica_engine_requests{replica="${A}",state="running"} 2`,
    `jurist_replica_engine_requests{replica="${A}",state="waiting"} 5`,
    `jurist_replica_engine_requests{replica="${B}",state="running"} 0`,
    `jurist_replica_engine_requests{replica="${B}",state="waiting"} 0`,
  ]);

  fleet = [replica("http://c", { inFlight: 1 })];
  text = await metrics.registry.metrics();
  t.equal(reads, 2, "the next scrape reads afresh");
  t.same(samples(text, "jurist_replicas"), ["jurist_replicas 1"]);
  t.same(samples(text, "jurist_replica_in_flight"), [`jurist_replica_in_flight{replica="${C}"} 1`]);
  t.notMatch(text, new RegExp(`replica="(${A}|${B})"`), "replicas that left are gone");
});

t.test("per-replica event counters show every replica at 0 until the event", async (t) => {
  const metrics = createMetrics();
  let fleet = [replica("http://a"), replica("http://b")];
  metrics.observeFleet(() => fleet);
  await metrics.registry.metrics();
  metrics.engine.unconstrainedAnswers.inc({ replica: B });
  let text = await metrics.registry.metrics();
  t.same(samples(text, "jurist_engine_unconstrained_answers_total"), [
    `jurist_engine_unconstrained_answers_total{replica="${A}"} 0`,
    `jurist_engine_unconstrained_answers_total{replica="${B}"} 1`,
  ]);
  t.same(samples(text, "jurist_engine_stale_connection_retries_total"), [
    `jurist_engine_stale_connection_retries_total{replica="${A}"} 0`,
    `jurist_engine_stale_connection_retries_total{replica="${B}"} 0`,
  ]);
  fleet = [replica("http://c")];
  await metrics.registry.metrics();
  text = await metrics.registry.metrics();
  t.same(
    samples(text, "jurist_engine_unconstrained_answers_total"),
    [`jurist_engine_unconstrained_answers_total{replica="${C}"} 0`],
    "a replica that left is dropped",
  );
});

t.test("verdicts count outcome and winner; consistency and margin only when known", async (t) => {
  const metrics = createMetrics();
  metrics.verdicts.record({ outcome: "ok", winner: "A", consistent: true, probabilityA: 0.9 });
  metrics.verdicts.record({ outcome: "ok", winner: "tie", consistent: false, probabilityA: 0.5 });
  metrics.verdicts.record({
    outcome: "abstain",
    winner: null,
    consistent: null,
    probabilityA: null,
  });
  const text = await metrics.registry.metrics();
  t.same(samples(text, "jurist_verdicts_total"), [
    'jurist_verdicts_total{outcome="ok",winner="A"} 1',
    'jurist_verdicts_total{outcome="ok",winner="B"} 0',
    'jurist_verdicts_total{outcome="ok",winner="tie"} 1',
    'jurist_verdicts_total{outcome="partial",winner="A"} 0',
    'jurist_verdicts_total{outcome="partial",winner="B"} 0',
    'jurist_verdicts_total{outcome="abstain",winner="none"} 1',
  ]);
  t.same(samples(text, "jurist_verdict_consistent_total"), [
    'jurist_verdict_consistent_total{consistent="true"} 1',
    'jurist_verdict_consistent_total{consistent="false"} 1',
  ]);
  t.ok(samples(text, "jurist_verdict_margin_count").includes("jurist_verdict_margin_count 2"));
  t.ok(
    samples(text, "jurist_verdict_margin_bucket").includes(
      'jurist_verdict_margin_bucket{le="0.05"} 1',
    ),
  );
  t.ok(
    samples(text, "jurist_verdict_margin_bucket").includes(
      'jurist_verdict_margin_bucket{le="0.35"} 1',
    ),
  );
  t.ok(
    samples(text, "jurist_verdict_margin_bucket").includes(
      'jurist_verdict_margin_bucket{le="0.4"} 2',
    ),
  );
});
