import t from "tap";
import { replicaId } from "../../../src/engine/replica-id.ts";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { startGateway } from "../../helpers/gateway.ts";

/** The value of the one sample line that starts with `series` (name plus labels), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function sum(text: string, name: string): number {
  return text
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`))
    .reduce((total, l) => total + Number(l.split(" ").pop()), 0);
}

t.test("GET /metrics reports requests by route pattern, verdicts and replicas", async (t) => {
  const { fastify, sims } = await startGateway(t);
  const judged = await fastify.inject({
    method: "POST",
    url: "/v1/judge/pairwise",
    payload: validPairwiseBody(),
  });
  t.equal(judged.statusCode, 200);
  const bad = await fastify.inject({
    method: "POST",
    url: "/v1/judge/pairwise",
    payload: { question: "?" },
  });
  t.equal(bad.statusCode, 400);
  const missing = await fastify.inject({ method: "GET", url: "/no/such/thing?x=1" });
  t.equal(missing.statusCode, 404);

  const response = await fastify.inject({ method: "GET", url: "/metrics" });
  t.equal(response.statusCode, 200);
  t.match(response.headers["content-type"], /^text\/plain; version=0\.0\.4/);
  const text = response.body;

  const http = "jurist_http_requests_total";
  t.equal(sample(text, `${http}{route="/v1/judge/pairwise",method="POST",status="200"}`), 1);
  t.equal(sample(text, `${http}{route="/v1/judge/pairwise",method="POST",status="400"}`), 1);
  t.equal(sample(text, `${http}{route="unmatched",method="GET",status="404"}`), 1);
  t.notMatch(text, "/no/such/thing", "the raw URL of a 404 is never a label");
  t.equal(
    sample(
      text,
      'jurist_http_request_duration_seconds_count{route="/v1/judge/pairwise",method="POST"}',
    ),
    2,
  );

  const verdict = judged.json() as {
    outcome: string;
    winner: string | null;
    consistent: boolean | null;
  };
  const winner = verdict.winner ?? "none";
  t.equal(
    sample(text, `jurist_verdicts_total{outcome="${verdict.outcome}",winner="${winner}"}`),
    1,
  );
  t.equal(sum(text, "jurist_verdicts_total"), 1, "the bad request made no verdict");
  const known = verdict.consistent === null ? 0 : 1;
  t.equal(sum(text, "jurist_verdict_consistent_total"), known, "counted once, when known");
  if (verdict.consistent !== null) {
    t.equal(sample(text, `jurist_verdict_consistent_total{consistent="${verdict.consistent}"}`), 1);
  }
  t.equal(sample(text, "jurist_verdict_margin_count"), 1);

  t.equal(sample(text, "jurist_replicas"), sims.length);
  for (const sim of sims) {
    // Labelled by id, never by URL: /metrics answers without a key.
    const id = replicaId(sim.url);
    t.equal(sample(text, `jurist_replica_healthy{replica="${id}"}`), 1, sim.url);
    t.equal(sample(text, `jurist_replica_ejected{replica="${id}"}`), 0, sim.url);
    t.equal(sample(text, `jurist_replica_in_flight{replica="${id}"}`), 0, sim.url);
    t.type(
      sample(text, `jurist_replica_engine_requests{replica="${id}",state="waiting"}`),
      "number",
    );
    t.notOk(text.includes(sim.url), `${sim.url} appears nowhere in /metrics`);
  }
});

t.test("/metrics is not in the OpenAPI document", async (t) => {
  const { fastify } = await startGateway(t, { replicas: 1 });
  const document = (await fastify.inject({ method: "GET", url: "/openapi.json" })).json() as {
    paths: Record<string, unknown>;
  };
  t.ok(document.paths["/v1/judge/pairwise"], "the document lists the API");
  t.notOk(document.paths["/metrics"]);
});
