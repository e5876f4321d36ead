import t from "tap";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { startGateway } from "../../helpers/gateway.ts";
import { simMetric, until } from "../../helpers/grpc.ts";

const RUNNING = "vllm:num_requests_running";
const SUCCEEDED = "vllm:request_success_total";
const candidates = (k: number) => Array.from({ length: k }, (_, i) => `Answer ${i}: ${i} apples.`);
const body = (k: number) => ({ question: "How many apples?", candidates: candidates(k) });
const deadline = (ms: number) => ({ "x-jurist-timeout-ms": String(ms) });

t.test("a deadline the fleet's latency cannot fit fails at once, engine untouched", async (t) => {
  const { fastify, sims } = await startGateway(t, { replicas: 1, sim: { latencyMs: 300 } });
  const sim = sims[0]!;
  const warm = await fastify.inject({
    method: "POST",
    url: "/v1/judge/pairwise",
    payload: validPairwiseBody(),
  });
  t.equal(warm.statusCode, 200, "the fleet has seen ~300 ms calls");
  const served = await simMetric(sim.url, SUCCEEDED);

  const started = Date.now();
  const response = await fastify.inject({
    method: "POST",
    url: "/v1/reward",
    payload: body(16),
    headers: deadline(1_000),
  });
  t.ok(Date.now() - started < 150, `failed fast (${Date.now() - started} ms)`);
  t.equal(response.statusCode, 504);
  t.equal(response.json().error.code, "DEADLINE_TOO_SHORT");
  t.match(response.json().error.message, /^120 pairs at ~\d+ ms each, 16 at a time/);
  t.equal(await simMetric(sim.url, SUCCEEDED), served, "no completion was asked for");
  t.equal(await simMetric(sim.url, RUNNING), 0);

  const roomy = await fastify.inject({
    method: "POST",
    url: "/v1/reward",
    payload: body(2),
    headers: deadline(5_000),
  });
  t.equal(roomy.statusCode, 200, "one pair fits in 5 s");
});

t.test("the deadline passing mid-way fails the whole request and frees the engine", async (t) => {
  const { fastify, sims } = await startGateway(t, { replicas: 1, sim: { latencyMs: 2_000 } });
  const sim = sims[0]!;
  const started = Date.now();
  const pending = fastify.inject({
    method: "POST",
    url: "/v1/reward",
    payload: body(16),
    headers: deadline(800),
  });
  t.ok(
    await until(async () => (await simMetric(sim.url, RUNNING)) === 32),
    "16 pairs (32 completions) in flight",
  );
  const response = await pending;
  t.equal(response.statusCode, 504);
  t.equal(response.json().error.code, "UPSTREAM_TIMEOUT");
  t.notOk("scores" in response.json(), "no half result");
  t.ok(Date.now() - started < 1_500, "answered at the deadline");
  t.ok(
    await until(async () => (await simMetric(sim.url, RUNNING)) === 0, 1_000),
    "the engine's running requests drop to 0 long before they would have finished",
  );
  t.equal(await simMetric(sim.url, SUCCEEDED), 0, "no completion was answered");
});

t.test("when the pairs judged so far cannot fit the rest, it fails early", async (t) => {
  const { fastify, sims } = await startGateway(t, {
    replicas: 1,
    sim: { latencyMs: 200 },
    env: { JURIST_REWARD_CONCURRENCY: "2" },
  });
  const sim = sims[0]!;
  const started = Date.now();
  const response = await fastify.inject({
    method: "POST",
    url: "/v1/reward",
    payload: body(6),
    headers: deadline(1_000),
  });
  t.equal(response.statusCode, 504);
  t.equal(response.json().error.code, "DEADLINE_TOO_SHORT");
  t.match(response.json().error.message, /as judged so far/);
  t.ok(Date.now() - started < 800, `well before the 1 s deadline (${Date.now() - started} ms)`);
  t.ok(await until(async () => (await simMetric(sim.url, RUNNING)) === 0, 1_000));
});
