import t from "tap";
import { createMetrics } from "../../../src/metrics/metrics.ts";
import { grpcOutcome, httpOutcome } from "../../../src/metrics/transport-metrics.ts";

/** The sample lines of one metric family, without HELP/TYPE comments. */
function samples(text: string, name: string): string[] {
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

t.test("outcomes read the same on both transports", async (t) => {
  const http: [number, string][] = [
    [200, "ok"],
    [400, "client_error"],
    [401, "client_error"],
    [429, "client_error"],
    [499, "cancelled"],
    [500, "server_error"],
    [502, "unavailable"],
    [503, "unavailable"],
    [504, "timeout"],
  ];
  for (const [status, outcome] of http) t.equal(httpOutcome(status), outcome, `HTTP ${status}`);
  const grpc: [string, string][] = [
    ["OK", "ok"],
    ["INVALID_ARGUMENT", "client_error"],
    ["RESOURCE_EXHAUSTED", "client_error"],
    ["CANCELLED", "cancelled"],
    ["INTERNAL", "server_error"],
    ["UNAVAILABLE", "unavailable"],
    ["DEADLINE_EXCEEDED", "timeout"],
  ];
  for (const [code, outcome] of grpc) t.equal(grpcOutcome(code), outcome, `gRPC ${code}`);
});

t.test("HTTP and gRPC requests land in one family by route, transport and outcome", async (t) => {
  const metrics = createMetrics();
  metrics.http.finished("/v1/judge/pairwise", "POST", 503, 0.01);
  metrics.grpc.finished("/jurist.v1.Judge/Pairwise", "OK", 0.2);
  const text = await metrics.registry.metrics();
  t.same(samples(text, "jurist_requests_total"), [
    'jurist_requests_total{route="/v1/judge/pairwise",transport="http",outcome="unavailable"} 1',
    'jurist_requests_total{route="/jurist.v1.Judge/Pairwise",transport="grpc",outcome="ok"} 1',
  ]);
  t.same(samples(text, "jurist_request_duration_seconds_count"), [
    'jurist_request_duration_seconds_count{route="/v1/judge/pairwise",transport="http",outcome="unavailable"} 1',
    'jurist_request_duration_seconds_count{route="/jurist.v1.Judge/Pairwise",transport="grpc",outcome="ok"} 1',
  ]);
  t.same(samples(text, "jurist_http_requests_total"), [
    'jurist_http_requests_total{route="/v1/judge/pairwise",method="POST",status="503"} 1',
  ]);
  t.same(samples(text, "jurist_grpc_requests_total"), [
    'jurist_grpc_requests_total{method="/jurist.v1.Judge/Pairwise",code="OK"} 1',
  ]);
});

t.test("jurist_champion_info has one series, the champion served now", async (t) => {
  const metrics = createMetrics();
  let champion: string | null = null;
  metrics.observeChampion(() => champion);
  t.same(samples(await metrics.registry.metrics(), "jurist_champion_info"), [], "none yet");
  champion = "base";
  t.same(samples(await metrics.registry.metrics(), "jurist_champion_info"), [
    'jurist_champion_info{checkpoint="base"} 1',
  ]);
  champion = "judge-lora-2";
  t.same(samples(await metrics.registry.metrics(), "jurist_champion_info"), [
    'jurist_champion_info{checkpoint="judge-lora-2"} 1',
  ]);
});

t.test("gate results name the last reviewed candidate; rejections in a row count", async (t) => {
  const metrics = createMetrics();
  const gates = (passed: boolean) => [
    { name: "vlrb", passed },
    { name: "consistency", passed: true },
  ];
  metrics.trainer.reviewed("rejected", gates(false), "it1");
  metrics.trainer.reviewed("rejected", gates(false), "it2");
  let text = await metrics.registry.metrics();
  t.same(samples(text, "jurist_gate_passed"), [
    'jurist_gate_passed{gate="vlrb",checkpoint="it2"} 0',
    'jurist_gate_passed{gate="consistency",checkpoint="it2"} 1',
  ]);
  t.same(samples(text, "jurist_candidate_rejected_streak"), ["jurist_candidate_rejected_streak 2"]);
  metrics.trainer.reviewed("error");
  metrics.trainer.reviewed("promoted", gates(true), "it3");
  text = await metrics.registry.metrics();
  t.same(samples(text, "jurist_candidate_rejected_streak"), ["jurist_candidate_rejected_streak 0"]);
  t.match(text, 'jurist_candidate_reviews_total{decision="rejected"} 2');
  t.match(text, 'jurist_candidate_reviews_total{decision="held"} 0', "every decision from 0");
});

t.test("series with a fixed label set exist from the start at 0", async (t) => {
  const text = await createMetrics().registry.metrics();
  for (const series of [
    'jurist_shed_requests_total{reason="event_loop"} 0',
    'jurist_cache_requests_total{result="hit"} 0',
    'jurist_shadow_requests_total{event="agree"} 0',
    'jurist_engine_retries_total{reason="status_5xx"} 0',
    'jurist_engine_hedged_requests_total{winner="hedge"} 0',
    'jurist_verdicts_total{outcome="abstain",winner="none"} 0',
    'jurist_verdict_orders_total{outcome="invalid"} 0',
    'jurist_verdict_consistent_total{consistent="false"} 0',
    'jurist_collection_prompts_total{event="dropped",reason="buffer_full"} 0',
    'jurist_collection_prompts_total{event="duplicate",reason=""} 0',
    'jurist_trainer_iterations_total{outcome="failed"} 0',
    'jurist_trainer_stage_records{stage="judge"} 0',
  ]) {
    t.ok(text.split("\n").includes(series), series);
  }
});

t.test("a verdict counts each judged order as ok or invalid", async (t) => {
  const metrics = createMetrics();
  metrics.verdicts.record({
    outcome: "partial",
    winner: "B",
    consistent: null,
    probabilityA: 0.2,
    orders: [{ outcome: "ok" }, { outcome: "invalid" }],
  });
  const text = await metrics.registry.metrics();
  t.same(samples(text, "jurist_verdict_orders_total"), [
    'jurist_verdict_orders_total{outcome="ok"} 1',
    'jurist_verdict_orders_total{outcome="invalid"} 1',
  ]);
  t.match(text, 'jurist_verdicts_total{outcome="partial",winner="B"} 1');
});
