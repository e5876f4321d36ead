import t, { type Test } from "tap";
import { request } from "undici";
import type { PriorityClass } from "../../../src/core/types.ts";
import { pairwiseRequestSchema } from "../../../src/http/wire/pairwise-schema.ts";
import type { Runtime } from "../../../src/runtime/runtime.ts";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { buildGateway, startSims } from "../../helpers/gateway.ts";
import { metricSamples, simMetric, until } from "../../helpers/grpc.ts";
import { runLoad, tally } from "../../helpers/load.ts";

/**
 * Priority classes through a gateway on real simulated replicas: batch work (here pairwise
 * verdicts sent with `x-jurist-priority: batch`) holds at most its share of each replica while
 * interactive traffic is about, fills every slot when it is not, and never makes interactive
 * verdicts wait. Who got served is read from counts (gateway and replica), never timings.
 */

const LIMIT = 4;
const BATCH = { "x-jurist-priority": "batch" };

let seed = 0;
function body(): Record<string, unknown> {
  return { ...validPairwiseBody(), mode: "fast", cache: false, collect: false, seed: seed++ };
}

async function pairwise(url: string, headers: Record<string, string> = {}) {
  const response = await request(`${url}/v1/judge/pairwise`, {
    method: "POST",
    body: JSON.stringify(body()),
    headers: { "content-type": "application/json", ...headers },
  });
  const json = (await response.body.json()) as { error?: { code: string } };
  return { status: response.statusCode, code: json.error?.code ?? null };
}

async function gateway(t: Test, replicas: number, env: Record<string, string> = {}) {
  const sims = await startSims(t, replicas, { latencyMs: 0 });
  const built = await buildGateway(
    t,
    {
      JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
      JURIST_REPLICA_MAX_CONCURRENCY: String(LIMIT),
      JURIST_MAX_EVENT_LOOP_DELAY_MS: "0",
      ...env,
    },
    { listen: true },
  );
  const counts = (priority: PriorityClass) => built.runtime.fleet.classCounts(priority);
  return { ...built, sims, counts };
}

/** `jurist_admission_*{class}` samples as `{ class: value }`. */
async function byClass(runtime: Runtime, name: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const sample of await metricSamples(runtime, name)) {
    if (sample.metricName && sample.metricName !== name) continue;
    out[String(sample.labels.class)] = sample.value;
  }
  return out;
}

/** Calls admitted after waiting, per class (`jurist_admission_wait_seconds_count`). */
async function waitCounts(runtime: Runtime): Promise<Record<string, number>> {
  const out: Record<string, number> = { interactive: 0, batch: 0 };
  for (const sample of await metricSamples(runtime, "jurist_admission_wait_seconds")) {
    if (sample.metricName !== "jurist_admission_wait_seconds_count") continue;
    out[String(sample.labels.class)] = sample.value;
  }
  return out;
}

t.test("no interactive traffic: batch fills every slot; interactive still gets in", async (t) => {
  const { url, runtime, sims, counts } = await gateway(t, 1);
  const [sim] = sims;
  sim!.setOptions({ stall: true });
  const batch = Array.from({ length: 3 }, () => pairwise(url, BATCH));
  t.ok(await until(() => counts("batch").waiting === 2), "the third batch verdict waits");
  t.same(counts("batch"), { inFlight: LIMIT, waiting: 2 }, "batch holds all 4 slots");
  t.ok(await until(async () => (await simMetric(sim!.url, "vllm:num_requests_running")) === 4));
  t.same(await byClass(runtime, "jurist_admission_in_flight"), { interactive: 0, batch: 4 });
  t.same(await byClass(runtime, "jurist_admission_waiting"), { interactive: 0, batch: 2 });

  // A batch call in a lent slot is not counted against interactive: no wait for it.
  const interactive = pairwise(url);
  t.ok(await until(() => counts("interactive").inFlight === 2), "admitted past the lent slot");
  t.equal(counts("interactive").waiting, 0);
  t.ok(await until(async () => (await simMetric(sim!.url, "vllm:num_requests_running")) === 6));

  sim!.setOptions({ stall: false });
  const answers = await Promise.all([...batch, interactive]);
  t.same(
    answers.map((a) => a.status),
    [200, 200, 200, 200],
  );
  t.same(await waitCounts(runtime), { interactive: 0, batch: 2 }, "only the queued batch waited");
});

t.test("a saturating batch load never makes interactive verdicts wait", async (t) => {
  const { url, runtime, counts } = await gateway(t, 2, { JURIST_PRIORITY_IDLE_MS: "600000" });
  // Interactive traffic is about from the start, so batch never borrows the reserve.
  t.equal((await pairwise(url)).status, 200);
  const samples: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      samples.push(counts("batch").inFlight, counts("batch").waiting);
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  const load = (concurrency: number, headers: Record<string, string> = {}) =>
    runLoad({ url: `${url}/v1/judge/pairwise`, body, concurrency, durationMs: 2_000, headers });
  const [batch, interactive] = await Promise.all([load(24, BATCH), load(2)]);
  sampling = false;
  await sampler;

  t.same(Object.keys(tally(interactive)), ["200"], "every interactive verdict: 200");
  t.same(Object.keys(tally(batch)), ["200"], "every batch verdict waited and got 200");
  const inFlight = samples.filter((_, i) => i % 2 === 0);
  const waiting = samples.filter((_, i) => i % 2 === 1);
  t.ok(
    Math.max(...inFlight) <= 2 * 3,
    `batch held ≤ 3 slots per replica (${Math.max(...inFlight)})`,
  );
  t.ok(Math.max(...waiting) > 0, "batch calls were queued (the fleet was saturated)");
  const waited = await waitCounts(runtime);
  t.equal(waited.interactive, 0, `no interactive call waited (${interactive.length} verdicts)`);
  t.ok((waited.batch ?? 0) > 0, `batch calls waited for slots (${waited.batch})`);
});

t.test("the class comes from the header, else from the caller's context", async (t) => {
  const { fastify, runtime, sims, counts } = await gateway(t, 1);
  sims[0]!.setOptions({ stall: true });
  const viaContext = runtime.judgeService.pairwise(pairwiseRequestSchema.parse(body()), {
    priority: "batch",
  });
  t.ok(await until(() => counts("batch").inFlight === 2), "CallContext.priority: batch");
  const viaHeader = fastify.inject({
    method: "POST",
    url: "/v1/judge/batch",
    headers: { "x-jurist-priority": " Interactive " },
    payload: { items: [body()] },
  });
  t.ok(await until(() => counts("interactive").inFlight === 2), "header on the batch route");
  sims[0]!.setOptions({ stall: false });
  await viaContext;
  t.equal((await viaHeader).statusCode, 200);
});

t.test("an unknown class is a 400 on every judging route", async (t) => {
  const { fastify, counts } = await gateway(t, 1);
  for (const [route, payload] of [
    ["/v1/judge/pairwise", body()],
    ["/v1/judge/batch", { items: [body()] }],
  ] as const) {
    for (const value of ["urgent", ""]) {
      const response = await fastify.inject({
        method: "POST",
        url: route,
        headers: { "x-jurist-priority": value },
        payload,
      });
      t.equal(response.statusCode, 400, `${route} '${value}'`);
      const error = response.json().error;
      t.equal(error.code, "INVALID_REQUEST");
      t.same(error.details, [
        { path: "headers.x-jurist-priority", reason: "not interactive or batch" },
      ]);
    }
  }
  t.same([counts("interactive").inFlight, counts("batch").inFlight], [0, 0], "nothing judged");
});
