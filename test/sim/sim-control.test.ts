import t from "tap";
import { startSimServer } from "../../sim/sim-server.ts";
import { chat, engineLoad, get, type HttpResult, post, startSim, until } from "./sim-client.ts";

const OPEN = [{ role: "user", content: "Describe the image." }];

/** A completion left in flight; `settled` tells whether it has answered or failed yet. */
function inFlight(url: string, signal?: AbortSignal) {
  let settled = false;
  const result = fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ messages: OPEN }),
    signal,
  })
    .then(async (response) => ({ status: response.status, body: await response.text() }))
    .catch((error: Error) => error)
    .finally(() => {
      settled = true;
    });
  return { result, settled: () => settled };
}

const load = (url: string) => engineLoad(url);
const control = (url: string, body: unknown): Promise<HttpResult> => post(`${url}/control`, body);

t.test("without control, /control does not exist", async (t) => {
  const sim = await startSim(t);
  t.equal((await control(sim.url, { healthy: false })).status, 404);
  t.equal((await get(`${sim.url}/control`)).status, 404);
  t.equal((await get(`${sim.url}/health`)).status, 200, "nothing changed");
  t.throws(() => sim.setOptions({ control: true }), /control is fixed/);
});

t.test("GET reports the settings; POST changes them and answers the result", async (t) => {
  const sim = await startSim(t, { control: true, modelId: "ctl-sim", latencyMs: 5 });
  const before = await get(`${sim.url}/control`);
  t.same(before.json, {
    latency_ms: 5,
    error_rate: 0,
    invalid_rate: 0,
    accuracy: 0.8,
    position_bias: 0.1,
    category_accuracy: {},
    healthy: true,
    stall: false,
    model_id: "ctl-sim",
    max_concurrency: 64,
    simulated: true,
  });
  const after = await control(sim.url, { accuracy: 0.6, position_bias: 0, invalid_rate: 0.2 });
  t.equal(after.status, 200);
  t.match(after.json, { accuracy: 0.6, position_bias: 0, invalid_rate: 0.2, latency_ms: 5 });
  t.same((await get(`${sim.url}/control`)).json, after.json);
  t.same((await control(sim.url, {})).json, after.json, "an empty body changes nothing");
});

t.test("latency: a slowed replica holds the request until the client gives up", async (t) => {
  const sim = await startSim(t, { control: true });
  t.equal((await control(sim.url, { latency_ms: 600_000 })).json.latency_ms, 600_000);
  const aborter = new AbortController();
  const slow = inFlight(sim.url, aborter.signal);
  t.match(
    await until(
      () => load(sim.url),
      (l) => l.running === 1,
    ),
    { running: 1 },
  );
  t.notOk(slow.settled(), "no answer while the latency lasts");
  aborter.abort();
  t.type(await slow.result, Error);
  t.same(
    await until(
      () => load(sim.url),
      (l) => l.running === 0,
    ),
    { running: 0, waiting: 0 },
  );
  t.equal((await control(sim.url, { latency_ms: 0 })).json.latency_ms, 0);
  t.equal((await chat(sim, { messages: OPEN })).status, 200);
});

t.test("error_rate 1 fails every completion; 0 heals the replica", async (t) => {
  const sim = await startSim(t, { control: true });
  await control(sim.url, { error_rate: 1 });
  for (let i = 0; i < 3; i++) t.equal((await chat(sim, { messages: OPEN })).status, 500);
  await control(sim.url, { error_rate: 0 });
  for (let i = 0; i < 3; i++) t.equal((await chat(sim, { messages: OPEN })).status, 200);
});

t.test("healthy false fails /health only, as a vLLM whose health check fails", async (t) => {
  const sim = await startSim(t, { control: true });
  t.equal((await control(sim.url, { healthy: false })).json.healthy, false);
  const health = await get(`${sim.url}/health`);
  t.equal(health.status, 503);
  t.equal(health.headers.get("x-jurist-simulated"), "true");
  t.equal((await get(`${sim.url}/v1/models`)).status, 200);
  t.equal((await chat(sim, { messages: OPEN })).status, 200, "completions keep working");
  await control(sim.url, { healthy: true });
  t.equal((await get(`${sim.url}/health`)).status, 200);
});

t.test("model_id switches the served model; the old id gets vLLM's 404", async (t) => {
  const sim = await startSim(t, { control: true });
  t.equal((await control(sim.url, { model_id: "switched-sim" })).json.model_id, "switched-sim");
  const models = await get(`${sim.url}/v1/models`);
  t.same(
    models.json.data.map((card: { id: string }) => card.id),
    ["switched-sim"],
  );
  const old = await chat(sim, { model: "jurist-sim-judge", messages: OPEN });
  t.equal(old.status, 404);
  t.match(old.json, { error: { type: "NotFoundError", code: 404, message: /jurist-sim-judge/ } });
  const served = await chat(sim, { model: "switched-sim", messages: OPEN });
  t.equal(served.status, 200);
  t.equal(served.json.model, "switched-sim");
});

t.test("stall holds completions until lifted; an abort frees the slot", async (t) => {
  const sim = await startSim(t, { control: true });
  t.equal((await control(sim.url, { stall: true })).json.stall, true);
  const kept = inFlight(sim.url);
  const aborter = new AbortController();
  const abandoned = inFlight(sim.url, aborter.signal);
  t.match(
    await until(
      () => load(sim.url),
      (l) => l.running === 2,
    ),
    { running: 2 },
  );
  t.equal((await get(`${sim.url}/health`)).status, 200, "a stall is not a failed health check");
  t.notOk(kept.settled() || abandoned.settled(), "stalled requests get no answer");
  aborter.abort();
  t.type(await abandoned.result, Error);
  t.match(
    await until(
      () => load(sim.url),
      (l) => l.running === 1,
    ),
    { running: 1 },
  );
  t.notOk(kept.settled());
  await control(sim.url, { stall: false });
  t.match(await kept.result, { status: 200 });
  t.same(await load(sim.url), { running: 0, waiting: 0 });
});

t.test("a client that leaves the queue frees its place", async (t) => {
  const sim = await startSim(t, { control: true, maxConcurrency: 1 });
  await control(sim.url, { stall: true });
  const first = inFlight(sim.url);
  const aborter = new AbortController();
  const queued = inFlight(sim.url, aborter.signal);
  const full = await until(
    () => load(sim.url),
    (l) => l.running === 1 && l.waiting === 1,
  );
  t.same(full, { running: 1, waiting: 1 });
  aborter.abort();
  t.type(await queued.result, Error);
  t.same(
    await until(
      () => load(sim.url),
      (l) => l.waiting === 0,
    ),
    { running: 1, waiting: 0 },
  );
  await control(sim.url, { stall: false, max_concurrency: 2 });
  t.match(await first.result, { status: 200 });
});

t.test("close() finishes while a request is stalled, dropping its connection", async (t) => {
  const sim = await startSimServer({ control: true, stall: true, maxConcurrency: 1 });
  const held = inFlight(sim.url);
  const queued = inFlight(sim.url);
  await until(
    () => load(sim.url),
    (l) => l.running === 1 && l.waiting === 1,
  );
  await sim.close();
  t.pass("close resolved");
  t.type(await held.result, Error, "the held request's connection was dropped");
  t.type(await queued.result, Error, "so was the one queued behind it");
});

t.test("bad control bodies are 400s in vLLM's shape and change nothing", async (t) => {
  const sim = await startSim(t, { control: true });
  const before = (await get(`${sim.url}/control`)).json;
  const dir = t.testdir({ "adapter.json": JSON.stringify({ simulated_accuracy: 0.9 }) });
  const loaded = await post(`${sim.url}/v1/load_lora_adapter`, {
    lora_name: "judge-sim-lora",
    lora_path: dir,
  });
  t.equal(loaded.status, 200);
  const bad: unknown[] = [
    "{not json",
    "[]",
    "null",
    { latency_ms: -1 },
    { latency_ms: "slow" },
    { error_rate: 1.5 },
    { invalid_rate: -0.1 },
    { accuracy: 2 },
    { position_bias: "x" },
    { healthy: "no" },
    { stall: 1 },
    { model_id: "gpt-4o" },
    { model_id: "" },
    { model_id: "judge-sim-lora" },
    { max_concurrency: 0 },
    { max_concurrency: 1.5 },
    { latencyMs: 10 },
    { seed: 3 },
    { control: false },
    { healthy: false, surprise: true },
  ];
  for (const body of bad) {
    const result = await control(sim.url, body);
    t.equal(result.status, 400, JSON.stringify(body));
    t.match(result.json, {
      error: { message: String, type: "BadRequestError", code: 400 },
      simulated: true,
    });
  }
  t.same((await get(`${sim.url}/control`)).json, before);
});
