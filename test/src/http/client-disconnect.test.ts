import t from "tap";
import { request } from "undici";
import { buildGateway, startSims } from "../../helpers/gateway.ts";
import { simMetric, until } from "../../helpers/grpc.ts";

/** Completions take this long: a call gone sooner was cancelled. */
const SLOW_MS = 2_000;

function countOf(metrics: string, name: string, labels: string): number {
  const line = metrics.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(" ").pop()) : 0;
}

t.test("a client that hangs up mid-verdict counts as cancelled, not as a 502", async (t) => {
  const [sim] = await startSims(t, 1, { latencyMs: SLOW_MS });
  const { url } = await buildGateway(t, { JURIST_BACKENDS: sim!.url }, { listen: true });
  const hangUp = new AbortController();
  const answered = request(`${url}/v1/judge/pairwise`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ question: "Which?", responses: ["one", "two"], cache: false }),
    signal: hangUp.signal,
  }).catch((error: Error) => error);
  t.ok(
    await until(async () => (await simMetric(sim!.url, "vllm:num_requests_running")) === 2),
    "both orders running",
  );
  hangUp.abort();
  t.type(await answered, Error, "the client gave up");
  t.ok(
    await until(async () => (await simMetric(sim!.url, "vllm:num_requests_running")) === 0),
    "the engine's calls were cancelled",
  );

  const route = 'route="/v1/judge/pairwise"';
  let metrics = "";
  t.ok(
    await until(async () => {
      metrics = await (await request(`${url}/metrics`)).body.text();
      return countOf(metrics, "jurist_requests_total", route) > 0;
    }),
    "the request was counted",
  );
  t.equal(
    countOf(metrics, "jurist_requests_total", `${route},transport="http",outcome="cancelled"`),
    1,
  );
  t.equal(countOf(metrics, "jurist_requests_total", 'outcome="unavailable"'), 0, "not a 502");
  t.equal(countOf(metrics, "jurist_http_requests_total", 'status="499"'), 1);
});
