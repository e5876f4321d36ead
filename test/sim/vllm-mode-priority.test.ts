import t, { type Test } from "tap";
import { parseSimArgs } from "../../sim/sim-command.ts";
import type { SimServer } from "../../sim/sim-server.ts";
import { chat, get, judgeMessages, startSim } from "./sim-client.ts";

/**
 * The simulated engine's vLLM mode against vLLM's handling of the per-request `priority`
 * (src/core/vllm-priority.ts has the rules and their sources):
 * - vllm/entrypoints/openai/protocol.py: `priority: int = 0`, lower is handled earlier.
 * - `--scheduling-policy fcfs` (the default), non-zero priority: the V0 engine
 *   (vllm/engine/llm_engine.py, async_llm_engine.py `add_request`) raises "Got priority {p} but
 *   Priority scheduling is not enabled."; V1 before priority scheduling reached it
 *   (vllm/v1/engine/processor.py as published for 0.9.0) raises "V1 does not support priority
 *   yet."; serving_chat.py answers a ValueError with 400 BadRequestError. From 0.9.2 (vLLM PR
 *   #19057) V1 validates nothing and `FCFSRequestQueue` ignores the field.
 * - `--scheduling-policy priority`: waiting requests leave by (priority, arrival)
 *   (vllm/v1/core/sched/request_queue.py, `PriorityRequestQueue`).
 */

const MESSAGES = judgeMessages("There are two red cups.", "There are three blue cups.", "fast");
const body = (priority?: number) => ({
  messages: MESSAGES,
  max_tokens: 4,
  seed: 1,
  ...(priority === undefined ? {} : { priority }),
});

t.test("an fcfs replica refuses or ignores a non-zero priority as its release does", async (t) => {
  const cases = [
    {
      version: "0.7.3",
      status: 400,
      message: "Got priority 10 but Priority scheduling is not enabled.",
    },
    { version: "0.9.0", status: 400, message: "V1 does not support priority yet." },
    { version: "0.9.1", status: 400, message: "V1 does not support priority yet." },
    { version: "0.9.2", status: 200 },
    { version: "0.12.0", status: 200 },
  ];
  for (const c of cases) {
    const sim = await startSim(t, { vllmVersion: c.version });
    const refused = await chat(sim, body(10));
    t.equal(refused.status, c.status, `${c.version}: priority 10 on fcfs`);
    if (c.message) {
      t.equal(refused.json.error.message, c.message, `${c.version}: vLLM's words`);
      t.equal(refused.json.error.type, "BadRequestError");
    }
    t.equal((await chat(sim, body(0))).status, 200, `${c.version}: priority 0 is the default`);
    t.equal((await chat(sim, body())).status, 200, `${c.version}: no priority at all`);
  }
});

t.test("VLLM_USE_V1=0 (the Llama-3.2-Vision recipe on 0.10.2) refuses in V0's words", async (t) => {
  const sim = await startSim(t, { vllmVersion: "0.10.2", vllmUseV1: false });
  const refused = await chat(sim, body(30));
  t.equal(refused.status, 400);
  t.equal(refused.json.error.message, "Got priority 30 but Priority scheduling is not enabled.");
  const scheduled = await startSim(t, {
    vllmVersion: "0.10.2",
    vllmUseV1: false,
    schedulingPolicy: "priority",
  });
  t.equal((await chat(scheduled, body(30))).status, 200, "with --scheduling-policy priority");
});

t.test("with --scheduling-policy priority every release takes it", async (t) => {
  for (const version of ["0.7.3", "0.9.0", "0.12.0"]) {
    const sim = await startSim(t, { vllmVersion: version, schedulingPolicy: "priority" });
    t.equal((await chat(sim, body(10))).status, 200, version);
  }
  const lenient = await startSim(t);
  t.equal((await chat(lenient, body(10))).status, 200, "the lenient engine refuses nothing");
});

t.test("a priority that is not an int is vLLM's 400", async (t) => {
  const sim = await startSim(t, { vllmVersion: "0.12.0", schedulingPolicy: "priority" });
  t.equal((await chat(sim, { ...body(), priority: 1.5 })).status, 400);
});

/** A gauge of the replica's /metrics (`running` or `waiting`), as the gateway reads it. */
async function requests(sim: SimServer, state: "running" | "waiting"): Promise<number> {
  const text = (await get(`${sim.url}/metrics`)).text;
  const line = text.split("\n").find((l) => l.startsWith(`vllm:num_requests_${state}{`));
  return Number(line?.split(" ").pop());
}

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 5));
}

/**
 * One slot, held by a stalled first request; four batch requests (priority 10) and then one
 * interactive (priority 0) queue behind it, each after the previous one is counted waiting;
 * the stall is lifted and the order they finish in is returned.
 */
async function finishOrder(
  t: Test,
  policy: "fcfs" | "priority",
  version: string,
): Promise<string[]> {
  const sim = await startSim(t, {
    vllmVersion: version,
    schedulingPolicy: policy,
    maxConcurrency: 1,
    latencyMs: 20,
    stall: true,
  });
  const order: string[] = [];
  const send = (name: string, priority: number) =>
    chat(sim, body(priority)).then((answer) => {
      if (answer.status !== 200) throw new Error(`${name}: ${answer.status} ${answer.text}`);
      order.push(name);
    });
  const sent = [send("first", 0)];
  await until(async () => (await requests(sim, "running")) === 1);
  const queued = ["batch1", "batch2", "batch3", "batch4", "interactive"];
  for (const [index, name] of queued.entries()) {
    sent.push(send(name, name === "interactive" ? 0 : 10));
    await until(async () => (await requests(sim, "waiting")) === index + 1);
  }
  sim.setOptions({ stall: false });
  await Promise.all(sent);
  return order;
}

t.test("with priority scheduling an interactive request overtakes queued batch work", async (t) => {
  t.same(
    await finishOrder(t, "priority", "0.12.0"),
    ["first", "interactive", "batch1", "batch2", "batch3", "batch4"],
    "it leaves the queue first; batch keeps its arrival order",
  );
  t.same(
    await finishOrder(t, "fcfs", "0.12.0"),
    ["first", "batch1", "batch2", "batch3", "batch4", "interactive"],
    "0.12.0 on fcfs takes the field and ignores it: arrival order",
  );
});

t.test("jurist sim reads --scheduling-policy and --vllm-use-v1", async (t) => {
  const args = parseSimArgs([
    "--vllm-version",
    "0.10.2",
    "--scheduling-policy",
    "priority",
    "--vllm-use-v1",
    "0",
  ]);
  t.equal(args.kind, "start");
  if (args.kind === "start") {
    t.equal(args.options.schedulingPolicy, "priority");
    t.equal(args.options.vllmUseV1, false);
  }
  t.equal(parseSimArgs(["--scheduling-policy", "sjf"]).kind, "invalid");
  t.equal(parseSimArgs(["--vllm-use-v1", "yes"]).kind, "invalid");
});
