import { setTimeout as sleep } from "node:timers/promises";
import t from "tap";
import { chat, get, startSim } from "./sim-client.ts";

const OPEN = [{ role: "user", content: "Describe the image." }];

function sample(text: string, name: string, labels = ""): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

t.test("vLLM's metric names, with model_name, counting successful requests", async (t) => {
  const sim = await startSim(t, { modelId: "metrics-sim" });
  const result = await chat(sim, { messages: OPEN, max_tokens: 4 });
  await chat(sim, { messages: OPEN });
  const response = await get(`${sim.url}/metrics`);
  t.equal(response.status, 200);
  t.match(response.headers.get("content-type"), /^text\/plain/);
  const text = response.text;
  t.match(text, /simulated/i);
  for (const [name, type] of [
    ["vllm:num_requests_running", "gauge"],
    ["vllm:num_requests_waiting", "gauge"],
    ["vllm:kv_cache_usage_perc", "gauge"],
    ["vllm:prompt_tokens_total", "counter"],
    ["vllm:generation_tokens_total", "counter"],
    ["vllm:request_success_total", "counter"],
    ["vllm:e2e_request_latency_seconds", "histogram"],
  ] as const) {
    t.match(text, `# TYPE ${name} ${type}\n`, name);
  }
  t.match(text, 'vllm:num_requests_running{model_name="metrics-sim"} 0\n');
  t.equal(sample(text, "vllm:request_success_total", 'finished_reason="length"'), 1);
  t.equal(sample(text, "vllm:request_success_total", 'finished_reason="stop"'), 1);
  t.equal(sample(text, "vllm:e2e_request_latency_seconds_count"), 2);
  t.equal(sample(text, "vllm:e2e_request_latency_seconds_bucket", 'le="+Inf"'), 2);
  t.ok((sample(text, "vllm:generation_tokens_total") ?? 0) > 4);
  t.equal(sample(text, "vllm:prompt_tokens_total"), 2 * result.json.usage.prompt_tokens);
});

t.test("beyond maxConcurrency requests wait, and /metrics shows it", async (t) => {
  const sim = await startSim(t, { maxConcurrency: 2, latencyMs: 600 });
  const requests = Array.from({ length: 6 }, (_, i) => chat(sim, { messages: OPEN, seed: i }));
  // Poll until all six have arrived; bounded so a broken gate fails instead of hanging.
  let seen = { running: 0, waiting: 0, kv: 0 };
  for (let i = 0; i < 100 && seen.running + seen.waiting < 6; i++) {
    const text = (await get(`${sim.url}/metrics`)).text;
    seen = {
      running: sample(text, "vllm:num_requests_running") ?? -1,
      waiting: sample(text, "vllm:num_requests_waiting") ?? -1,
      kv: sample(text, "vllm:kv_cache_usage_perc") ?? -1,
    };
    await sleep(10);
  }
  t.same(seen, { running: 2, waiting: 4, kv: 1 });
  const results = await Promise.all(requests);
  t.ok(results.every((r) => r.status === 200));
  const after = (await get(`${sim.url}/metrics`)).text;
  t.equal(sample(after, "vllm:num_requests_running"), 0);
  t.equal(sample(after, "vllm:num_requests_waiting"), 0);
  t.equal(sample(after, "vllm:request_success_total", 'finished_reason="stop"'), 6);
});

t.test("raising maxConcurrency admits waiting requests", async (t) => {
  const sim = await startSim(t, { maxConcurrency: 1, latencyMs: 300 });
  const requests = Array.from({ length: 3 }, (_, i) => chat(sim, { messages: OPEN, seed: i }));
  let waiting = 0;
  for (let i = 0; i < 100 && waiting < 2; i++) {
    waiting = sample((await get(`${sim.url}/metrics`)).text, "vllm:num_requests_waiting") ?? 0;
    await sleep(10);
  }
  t.equal(waiting, 2);
  sim.setOptions({ maxConcurrency: 8 });
  const text = (await get(`${sim.url}/metrics`)).text;
  t.equal(sample(text, "vllm:num_requests_running"), 3);
  t.equal(sample(text, "vllm:num_requests_waiting"), 0);
  await Promise.all(requests);
});
