import { pino } from "pino";
import t, { type Test } from "tap";
import type { SimServer, SimServerOptions } from "../../../sim/sim-server.ts";
import type { CompletionRequest, PriorityClass, WorkClass } from "../../../src/core/types.ts";
import { VLLM_PRIORITY } from "../../../src/core/vllm-priority.ts";
import { PRIORITY_REFUSED } from "../../../src/engine/engine-client.ts";
import { NO_OBSERVER } from "../../../src/engine/fleet-types.ts";
import { createReplicaFleet } from "../../../src/engine/replica-fleet.ts";
import { type FleetSettingsOverrides, testFleetSettings } from "../../helpers/fleet-settings.ts";
import { startVllmStandIn } from "../../helpers/vllm-stand-in.ts";
import { get, startSim } from "../../sim/sim-client.ts";

/**
 * The engine sends vLLM's per-request `priority` by work class when JURIST_VLLM_PRIORITY is on
 * (src/core/vllm-priority.ts names the vLLM files and releases followed), against real HTTP
 * replicas: a stand-in that records every body, and the simulator's vLLM mode, which refuses a
 * non-zero priority on fcfs as vLLM 0.9.0 does ("V1 does not support priority yet.",
 * vllm/v1/engine/processor.py) and, with `--scheduling-policy priority`, lets waiting requests
 * leave by priority (vllm/v1/core/sched/request_queue.py, `PriorityRequestQueue`).
 */

const REQUEST: CompletionRequest = {
  messages: [{ role: "user", content: "Which answer is better, A or B?" }],
  maxTokens: 4,
  temperature: 0,
  seed: 3,
  topLogprobs: 0,
};

async function fleetOver(t: Test, url: string, overrides: FleetSettingsOverrides) {
  const fleet = createReplicaFleet({
    urls: [url],
    settings: testFleetSettings(overrides),
    logger: pino({ level: "silent" }),
    observer: NO_OBSERVER,
  });
  await fleet.start();
  t.teardown(() => fleet.close());
  return fleet;
}

/** How each work class reaches the engine: the admission class it runs in, and itself. */
const SESSIONS: { priority: PriorityClass; work?: WorkClass; expected: WorkClass }[] = [
  { priority: "interactive", expected: "interactive" },
  { priority: "batch", expected: "batch" },
  { priority: "batch", work: "gate", expected: "gate" },
  { priority: "batch", work: "trainer", expected: "trainer" },
  { priority: "batch", work: "shadow", expected: "shadow" },
];

t.test("each work class carries its priority when on, and none when off", async (t) => {
  for (const vllmPriority of [true, false]) {
    const standIn = await startVllmStandIn(t, { version: "0.12.0" });
    const fleet = await fleetOver(t, standIn.url, { vllmPriority });
    for (const { priority, work } of SESSIONS) {
      await fleet.session(undefined, { priority, work }).complete(REQUEST);
    }
    const sent = standIn.seen
      .filter((seen) => seen.path === "/v1/chat/completions")
      .map((seen) => seen.body?.priority);
    t.same(
      sent,
      vllmPriority
        ? SESSIONS.map(({ expected }) => VLLM_PRIORITY[expected])
        : SESSIONS.map(() => undefined),
      vllmPriority ? "interactive 0, batch 10, gate 20, trainer 30, shadow 40" : "no field at all",
    );
  }
});

t.test(
  "an fcfs replica that refuses priority fails the call as a deployment mismatch",
  async (t) => {
    const sim = await startSim(t, { vllmVersion: "0.9.0" });
    const on = await fleetOver(t, sim.url, { vllmPriority: true });
    const answered = await on.session(undefined).complete(REQUEST);
    t.equal(answered.length, 1, "interactive sends 0, which every replica takes");
    const refused = await on
      .session(undefined, { priority: "batch" })
      .complete(REQUEST)
      .then(
        () => null,
        (error: unknown) => error as { code?: string; message?: string },
      );
    t.equal(refused?.code, "UPSTREAM_ERROR", "not the caller's INVALID_REQUEST");
    t.equal(refused?.message, PRIORITY_REFUSED, "names the flag and the setting");
    const off = await fleetOver(t, sim.url, { vllmPriority: false });
    const batch = await off.session(undefined, { priority: "batch" }).complete(REQUEST);
    t.equal(batch.length, 1, "with the setting off the same replica answers batch work");
  },
);

/** A gauge of the replica's /metrics (`running` or `waiting`). */
async function requests(sim: SimServer, state: "running" | "waiting"): Promise<number> {
  const text = (await get(`${sim.url}/metrics`)).text;
  const line = text.split("\n").find((l) => l.startsWith(`vllm:num_requests_${state}{`));
  return Number(line?.split(" ").pop());
}

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 5));
}

/**
 * A saturated replica (one sequence at a time, the first call stalled on it) and a gateway that
 * admits everything to it (16 slots and connections, priority classes off, so the order is the
 * replica's): a
 * flood of six reward calls queues, then one interactive call. Returns where the interactive
 * call finished among the seven queued calls (0 = first).
 */
async function interactiveRank(t: Test, vllmPriority: boolean, sim: SimServerOptions) {
  const replica = await startSim(t, { ...sim, maxConcurrency: 1, latencyMs: 20, stall: true });
  const fleet = await fleetOver(t, replica.url, {
    vllmPriority,
    maxInFlightPerReplica: 16,
    connectionsPerReplica: 16,
    // The stalled blocker must outlive the whole queueing on a loaded machine: a timeout
    // would retry it and change the finishing order the test reads.
    attemptTimeoutMs: 60_000,
  });
  const order: string[] = [];
  const call = (name: string, priority: PriorityClass) =>
    fleet
      .session(undefined, { priority })
      .complete(REQUEST)
      .then(() => order.push(name));
  const calls = [call("blocker", "interactive")];
  await until(async () => (await requests(replica, "running")) === 1);
  const flood = Array.from({ length: 6 }, (_, index) => `reward${index}`);
  for (const [index, name] of [...flood, "interactive"].entries()) {
    calls.push(call(name, name === "interactive" ? "interactive" : "batch"));
    await until(async () => (await requests(replica, "waiting")) === index + 1);
  }
  replica.setOptions({ stall: false });
  await Promise.all(calls);
  t.equal(order[0], "blocker");
  return order.slice(1).indexOf("interactive");
}

t.test("with priority scheduling interactive work overtakes a reward flood", async (t) => {
  const scheduled = { vllmVersion: "0.12.0", schedulingPolicy: "priority" } as const;
  t.equal(await interactiveRank(t, true, scheduled), 0, "first of the queued calls");
  t.equal(await interactiveRank(t, false, scheduled), 6, "without the field: behind the flood");
  t.equal(
    await interactiveRank(t, true, { vllmVersion: "0.12.0" }),
    6,
    "an fcfs 0.12.0 replica takes the field and ignores it",
  );
});
