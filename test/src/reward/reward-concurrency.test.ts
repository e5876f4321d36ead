import t from "tap";
import { buildGateway, startSims } from "../../helpers/gateway.ts";
import { simMetric } from "../../helpers/grpc.ts";
import { startCountingProxy } from "./counting-proxy.ts";

const candidates = Array.from({ length: 16 }, (_, i) => `Candidate ${i}: there are ${i} apples.`);

t.test("K=16 round robin: 120 pairs, 240 completions, within the concurrency", async (t) => {
  const [sim] = await startSims(t, 1, { latencyMs: 20 });
  const proxy = await startCountingProxy(t, sim!.url);
  const { fastify } = await buildGateway(t, {
    JURIST_BACKENDS: proxy.url,
    JURIST_REWARD_CONCURRENCY: "4",
  });
  const response = await fastify.inject({
    method: "POST",
    url: "/v1/reward",
    payload: { question: "How many apples are in the bowl?", candidates, mode: "fast" },
  });
  t.equal(response.statusCode, 200, response.body);
  const body = response.json();
  t.equal(body.method, "round_robin");
  t.same(body.pairs, { total: 120, judged: 120, dropped: [] });
  t.equal(proxy.completions(), 240, "both orders of 120 pairs, nothing more");
  t.equal(await simMetric(sim!.url, "vllm:request_success_total"), 240);
  t.ok(proxy.peak() <= 8, `at most 4 pairs (8 completions) at once; peak ${proxy.peak()}`);
  t.ok(proxy.peak() >= 4, `the bound is used, not serialised; peak ${proxy.peak()}`);
  t.equal(body.scores.length, 16);
  t.ok(
    body.scores.every((s: number | null) => typeof s === "number"),
    "every candidate scored",
  );
  t.same(
    [...body.ranking].sort((a: number, b: number) => a - b),
    [...Array(16).keys()],
  );
  const sum = body.scores.reduce((total: number, s: number) => total + s, 0);
  t.ok(Math.abs(sum) < 1e-6, "Bradley–Terry scores centred to mean 0");
});
