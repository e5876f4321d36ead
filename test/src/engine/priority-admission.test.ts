import { pino } from "pino";
import t, { type Test } from "tap";
import { loadConfig } from "../../../src/config/config.ts";
import { createPairwiseJudge } from "../../../src/core/pairwise-judge.ts";
import type { PairwiseTask, PriorityClass } from "../../../src/core/types.ts";
import { NO_OBSERVER } from "../../../src/engine/fleet-types.ts";
import { createReplicaFleet } from "../../../src/engine/replica-fleet.ts";
import { fleetSettings } from "../../../src/runtime/fleet-runtime.ts";
import { startSims } from "../../helpers/gateway.ts";
import { simMetric, until } from "../../helpers/grpc.ts";

/**
 * The admission order itself, on a real simulated replica held in a stall so nothing finishes
 * until the test says so: who got a freed slot is read from the fleet's observer, in the order
 * admissions happened, never from timings.
 */

const LIMIT = 4;

function task(priority: PriorityClass, seed: number): PairwiseTask {
  return {
    question: "Which answer counts the apples right?",
    images: [],
    responses: ["There are three apples.", "There are five apples."],
    mode: "fast",
    swap: true,
    seed,
    priority,
  };
}

/** A fleet over one in-process sim, recording the class of every call admitted after waiting. */
async function stalledFleet(t: Test, env: Record<string, string>) {
  const [sim] = await startSims(t, 1);
  const admitted: PriorityClass[] = [];
  const config = loadConfig({
    JURIST_BACKENDS: sim!.url,
    JURIST_REPLICA_MAX_CONCURRENCY: String(LIMIT),
    ...env,
  });
  const fleet = createReplicaFleet({
    urls: [sim!.url],
    settings: fleetSettings(config),
    logger: pino({ level: "silent" }),
    observer: { ...NO_OBSERVER, admissionWait: (_seconds, priority) => admitted.push(priority) },
  });
  await fleet.start();
  t.teardown(() => fleet.close());
  const judge = createPairwiseJudge({ engine: fleet, settings: config.judge });
  return {
    sim: sim!,
    admitted,
    judge: (priority: PriorityClass, seed: number) => judge.judge(task(priority, seed)),
    counts: (priority: PriorityClass) => fleet.classCounts(priority),
    running: () => simMetric(sim!.url, "vllm:num_requests_running"),
  };
}

t.test("a freed slot goes to waiting interactive verdicts before queued batch ones", async (t) => {
  // Interactive traffic counts as "about" for the whole test: the reserve is never lent.
  const { sim, admitted, judge, counts, running } = await stalledFleet(t, {
    JURIST_PRIORITY_IDLE_MS: "600000",
  });
  await judge("interactive", 0);
  sim.setOptions({ stall: true });
  const batch = Array.from({ length: 4 }, (_, i) => judge("batch", 10 + i));
  t.ok(await until(() => counts("batch").waiting === 5), "batch calls queue");
  t.same(counts("batch"), { inFlight: 3, waiting: 5 }, "batch holds limit × 0.75 = 3 slots");
  t.ok(await until(async () => (await running()) === 3), "the replica runs 3 calls");

  const first = judge("interactive", 1);
  t.ok(await until(async () => (await running()) === 5), "interactive admitted at once");
  t.same(counts("interactive"), { inFlight: 2, waiting: 0 }, "into the reserve, order 2 riding");
  const second = judge("interactive", 2);
  t.ok(await until(() => counts("interactive").waiting === 2), "a second one must wait");
  t.same(admitted, [], "nobody has waited and been admitted yet");

  sim.setOptions({ stall: false });
  const verdicts = await Promise.all([...batch, first, second]);
  t.ok(
    verdicts.every((v) => v.outcome === "ok"),
    "every verdict was judged",
  );
  t.same(admitted.slice(0, 2), ["interactive", "interactive"], "interactive got the first slot");
  t.same(admitted.slice(2), ["batch", "batch", "batch", "batch", "batch"], "then batch, all of it");
  t.same(
    [counts("interactive"), counts("batch")],
    [
      { inFlight: 0, waiting: 0 },
      { inFlight: 0, waiting: 0 },
    ],
  );
});

t.test("classes off: batch fills every slot and interactive queues behind it", async (t) => {
  const { sim, admitted, judge, counts } = await stalledFleet(t, {
    JURIST_PRIORITY_CLASSES: "false",
  });
  await judge("interactive", 0);
  sim.setOptions({ stall: true });
  const batch = Array.from({ length: 3 }, (_, i) => judge("batch", 10 + i));
  t.ok(await until(() => counts("batch").waiting === 2), "batch calls queue");
  t.same(counts("batch"), { inFlight: 4, waiting: 2 }, "batch holds every slot");
  const late = judge("interactive", 1);
  t.ok(await until(() => counts("interactive").waiting === 2), "interactive waits");
  sim.setOptions({ stall: false });
  await Promise.all([...batch, late]);
  t.same(admitted, ["batch", "batch", "interactive", "interactive"], "in arrival order");
});
