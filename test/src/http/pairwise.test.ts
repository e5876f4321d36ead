import t from "tap";
import { request } from "undici";
import type { VerdictWire } from "../../../src/http/wire/pairwise-schema.ts";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { startGateway } from "../../helpers/gateway.ts";

async function completionsServed(url: string): Promise<number> {
  const response = await request(`${url}/metrics`);
  const text = await response.body.text();
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("vllm:request_success_total")) total += Number(line.split(" ").pop());
  }
  return total;
}

t.test("a verdict has both orders, mapped back to the caller's A/B", async (t) => {
  const { fastify } = await startGateway(t);
  const response = await fastify.inject({
    method: "POST",
    url: "/v1/judge/pairwise",
    payload: validPairwiseBody(),
  });
  t.equal(response.statusCode, 200);
  const verdict = response.json() as VerdictWire;
  t.match(verdict.id, /^vrd_[0-9a-f]{32}$/);
  t.equal(verdict.outcome, "ok");
  t.same(
    verdict.orders.map((o) => o.order),
    ["AB", "BA"],
  );
  const [ab, ba] = verdict.orders;
  const mean = ((ab?.probability_a ?? 0) + (ba?.probability_a ?? 0)) / 2;
  t.ok(Math.abs((verdict.probability_a ?? -1) - mean) < 1e-9, "probability_a is the orders' mean");
  t.ok(verdict.probability_a! > 0 && verdict.probability_a! < 1);
  t.equal(verdict.consistent, ab?.winner === ba?.winner);
  if (verdict.consistent) t.equal(verdict.winner, ab?.winner);
  t.equal(verdict.template, "pairwise-v1");
  t.equal(verdict.checkpoint, "jurist-sim-judge");
  t.equal(verdict.simulated, true);
  t.equal(verdict.cached, false);
  t.match(verdict.reasoning, /\[\[[AB]\]\]/);
});

t.test("the same input and seed give the same verdict", async (t) => {
  const { fastify } = await startGateway(t, { sim: { seed: 5 } });
  const body = { ...validPairwiseBody(), seed: 42 };
  const verdicts = await Promise.all(
    [1, 2, 3].map(async () => {
      const response = await fastify.inject({
        method: "POST",
        url: "/v1/judge/pairwise",
        payload: body,
      });
      const { id: _id, latency_ms: _latency, ...rest } = response.json();
      return rest;
    }),
  );
  t.same(verdicts[1], verdicts[0]);
  t.same(verdicts[2], verdicts[0]);
});

t.test("swap off judges one order; fast mode answers with one token", async (t) => {
  const { fastify } = await startGateway(t);
  const single = await fastify.inject({
    method: "POST",
    url: "/v1/judge/pairwise",
    payload: { ...validPairwiseBody(), swap: false },
  });
  t.equal(single.json().orders.length, 1);
  t.equal(single.json().consistent, null);
  t.equal(single.json().winner, single.json().orders[0].winner);
  const fast = await fastify.inject({
    method: "POST",
    url: "/v1/judge/pairwise",
    payload: { ...validPairwiseBody(), mode: "fast" },
  });
  t.equal(fast.statusCode, 200);
  t.equal(fast.json().mode, "fast");
  t.equal(fast.json().outcome, "ok");
  t.equal(fast.json().reasoning, "");
  t.ok(fast.json().orders.every((o: { probability_a: number }) => o.probability_a > 0));
});

t.test("both orders of a verdict go to the same replica", async (t) => {
  const { fastify, sims } = await startGateway(t, { replicas: 3 });
  for (let i = 0; i < 24; i++) {
    await fastify.inject({
      method: "POST",
      url: "/v1/judge/pairwise",
      payload: { ...validPairwiseBody(), seed: i },
    });
    const counts = await Promise.all(sims.map((sim) => completionsServed(sim.url)));
    if (counts.some((count) => count % 2 !== 0)) {
      t.fail(`after verdict ${i} a replica served an odd number of orders: ${counts}`);
      return;
    }
  }
  const counts = await Promise.all(sims.map((sim) => completionsServed(sim.url)));
  t.equal(
    counts.reduce((a, b) => a + b, 0),
    48,
    `48 orders served in pairs (${counts})`,
  );
  t.ok(counts.filter((c) => c > 0).length >= 2, "routing spread verdicts over replicas");
});

t.test("unreadable orders: partial when one is lost, abstain when both are", async (t) => {
  const { fastify, sims } = await startGateway(t, { replicas: 1, sim: { invalidRate: 1 } });
  const abstain = await fastify.inject({
    method: "POST",
    url: "/v1/judge/pairwise",
    payload: validPairwiseBody(),
  });
  t.equal(abstain.statusCode, 200);
  t.equal(abstain.json().outcome, "abstain");
  t.equal(abstain.json().winner, null);
  t.equal(abstain.json().probability_a, null);
  t.match(abstain.json().reason, /no readable verdict/);

  sims[0]!.setOptions({ invalidRate: 0.5 });
  const outcomes = new Set<string>();
  for (let seed = 0; seed < 40 && outcomes.size < 3; seed++) {
    const response = await fastify.inject({
      method: "POST",
      url: "/v1/judge/pairwise",
      payload: { ...validPairwiseBody(), seed },
    });
    const verdict = response.json() as VerdictWire;
    outcomes.add(verdict.outcome);
    if (verdict.outcome === "partial") {
      t.equal(verdict.consistent, null, "partial: consistent is null");
      t.ok(verdict.orders.some((o) => o.outcome === "invalid"));
      t.ok(verdict.winner === "A" || verdict.winner === "B");
    }
  }
  t.ok(outcomes.has("partial"), `saw partial among ${[...outcomes]}`);
});

t.test("engine failures map to 502, 503 and 504 without internal text", async (t) => {
  const { fastify, sims } = await startGateway(t, {
    replicas: 1,
    env: { JURIST_REQUEST_TIMEOUT_MS: "300", JURIST_EJECTION_BASE_MS: "200" },
  });
  const judge = () =>
    fastify.inject({ method: "POST", url: "/v1/judge/pairwise", payload: validPairwiseBody() });

  sims[0]!.setOptions({ latencyMs: 5_000 });
  const slow = await judge();
  t.equal(slow.statusCode, 504);
  t.equal(slow.json().error.code, "UPSTREAM_TIMEOUT");

  sims[0]!.setOptions({ latencyMs: 0, errorRate: 1 });
  const failing = await judge();
  t.equal(failing.statusCode, 502);
  t.equal(failing.json().error.code, "UPSTREAM_ERROR");
  t.notMatch(failing.body, /simulated|500|stack/i, "no engine text leaks");

  let down = failing;
  for (let i = 0; i < 5 && down.statusCode !== 503; i++) down = await judge();
  t.equal(down.statusCode, 503, "consecutive failures eject the replica");
  t.equal(down.json().error.code, "NO_HEALTHY_REPLICA");
  t.ok(down.headers["retry-after"], "Retry-After is set");

  sims[0]!.setOptions({ errorRate: 0 });
  let back = down;
  for (let i = 0; i < 100 && back.statusCode !== 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    back = await judge();
  }
  t.equal(back.statusCode, 200, "re-admitted once the ejection ends and it answers again");
});

t.test("models, readiness, OpenAPI and docs", async (t) => {
  const { fastify, sims, runtime } = await startGateway(t, { replicas: 2 });
  const models = await fastify.inject({ method: "GET", url: "/v1/models" });
  t.same(models.json().data, [
    {
      id: "jurist-sim-judge",
      role: "champion",
      kind: "full",
      created: null,
      replicas: 2,
      simulated: true,
    },
  ]);
  const ready = await fastify.inject({ method: "GET", url: "/readyz" });
  t.equal(ready.statusCode, 200);
  t.equal(ready.json().status, "ready");
  t.equal(ready.json().replicas.length, 2);
  t.same(ready.json().stores, {}, "no REDIS_URL: no Redis to report as ok");

  const openapi = await fastify.inject({ method: "GET", url: "/openapi.json" });
  const paths = Object.keys(openapi.json().paths);
  for (const path of ["/v1/judge/pairwise", "/v1/judge/batch", "/v1/models", "/readyz"]) {
    t.ok(paths.includes(path), `OpenAPI documents ${path}`);
  }
  const body =
    openapi.json().paths["/v1/judge/pairwise"].post.requestBody.content["application/json"].schema;
  t.same([...body.required].sort(), ["question", "responses"], "required fields");
  const docs = await fastify.inject({ method: "GET", url: "/docs/" });
  t.equal(docs.statusCode, 200);
  t.match(docs.body, /swagger/i);

  await Promise.all(sims.map((sim) => sim.close()));
  await runtime.fleet.pollNow();
  const notReady = await fastify.inject({ method: "GET", url: "/readyz" });
  t.equal(notReady.statusCode, 503);
  t.equal(notReady.json().status, "not_ready");
  t.equal(
    (await fastify.inject({ method: "GET", url: "/healthz" })).statusCode,
    200,
    "alive while not ready",
  );
});
