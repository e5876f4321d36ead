import { getEventListeners } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import t from "tap";
import type { Completion } from "../../../src/core/types.ts";
import { createCapacityWaiters } from "../../../src/engine/capacity-waiters.ts";
import { createClassLoad } from "../../../src/engine/class-load.ts";
import type { EngineClient } from "../../../src/engine/engine-client.ts";
import { EngineCallError } from "../../../src/engine/engine-errors.ts";
import { createEngineSession } from "../../../src/engine/engine-session.ts";
import type { FleetObserver, Replica } from "../../../src/engine/fleet-types.ts";
import { createLatencyTracker } from "../../../src/engine/latency-tracker.ts";
import { newReplica } from "../../../src/engine/replica-record.ts";
import { createRetryBudget } from "../../../src/engine/retry-budget.ts";
import type { SessionContext } from "../../../src/engine/session-context.ts";
import { testFleetSettings } from "../../helpers/fleet-settings.ts";

/**
 * One session over fake replicas, read through the fleet observer's events in order: pinning,
 * retries, timeouts, cancellation, hedging, and how many listeners a call puts on its caller's
 * signal (the fan-out loadtest/RESULTS.md measured).
 */

const MODEL = "ckpt";
const COMPLETION: Completion[] = [{ text: "A", tokens: null, finishReason: "stop" }];

/** How a fake replica answers one chat call, given the attempt's signal and the caller's. */
type Behaviour = (signal: AbortSignal) => Promise<Completion[]>;

const aborted = (signal: AbortSignal) =>
  new EngineCallError("aborted", "UPSTREAM_ERROR", "cancelled", signal.reason);

/** Answers after `ms` unless the attempt is aborted first. */
const answersAfter =
  (ms: number): Behaviour =>
  (signal) =>
    new Promise((resolve, reject) => {
      if (signal.aborted) return reject(aborted(signal));
      const timer = setTimeout(resolve, ms, COMPLETION);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(aborted(signal));
      });
    });
const hangs: Behaviour = answersAfter(60_000);
const refuses: Behaviour = async () => {
  throw new EngineCallError("connect", "UPSTREAM_ERROR", "refused");
};

function fakeReplica(url: string, behaviour: Behaviour, latencyMs: number) {
  const signals: AbortSignal[] = [];
  const client = {
    chat: (_model: string, _request: unknown, signal: AbortSignal) => {
      signals.push(signal);
      return behaviour(signal);
    },
  } as unknown as EngineClient;
  const replica: Replica = {
    ...newReplica(url, client, { maxInFlight: 8, choiceField: "structured_outputs" }),
    healthy: true,
    models: [MODEL],
    latencyMs,
  };
  return { replica, signals };
}

function fleetOf(replicas: Replica[], hedge = { percentile: 0, minSamples: 1, minDelayMs: 10 }) {
  const settings = testFleetSettings({
    connectionsPerReplica: 1,
    structuredOutputField: "guided_choice",
    healthIntervalMs: 1_000,
    attemptTimeoutMs: 100,
    admissionWaitMs: 50,
    priority: { enabled: true, interactiveReserve: 0.25, batchAdmissionWaitMs: 50 },
    hedge,
  });
  const events: string[] = [];
  const observer: FleetObserver = {
    call: (url, outcome) => events.push(`call ${url} ${outcome}`),
    retry: (reason) => events.push(`retry ${reason}`),
    retryBudgetExhausted: () => events.push("budget exhausted"),
    hedge: (winner) => events.push(`hedge won by ${winner}`),
    ejected: (url) => events.push(`ejected ${url}`),
    shed: () => events.push("shed"),
    admissionWait: () => events.push("waited"),
  };
  const waiters = createCapacityWaiters({
    maxWaiters: { interactive: 8, batch: 8 },
    prioritised: true,
  });
  const context: SessionContext = {
    replicas: () => replicas,
    settings,
    budget: createRetryBudget(settings.retryBudget),
    latency: createLatencyTracker(),
    waiters,
    classes: createClassLoad(settings.priority, waiters.size),
    observer,
    pinned: true,
  };
  return { context, events, session: () => createEngineSession(context, MODEL) };
}

// Routing breaks a tie in load by latency: "a" (0 ms) is always the first choice.
t.test("both orders ride on the pinned replica and give their slots back", async (t) => {
  const [a, b] = [fakeReplica("a", answersAfter(5), 0), fakeReplica("b", answersAfter(5), 9)];
  const { events, session } = fleetOf([a.replica, b.replica]);
  const verdict = session();
  await Promise.all([verdict.complete({} as never), verdict.complete({} as never)]);
  t.equal(verdict.replica, "a");
  t.same(events, ["call a ok", "call a ok"]);
  t.same([a.replica.inFlight, b.replica.inFlight], [0, 0]);
});

t.test("a plain call puts one listener on its caller's signal, and takes it off", async (t) => {
  const caller = new AbortController();
  let whileInFlight = -1;
  const a = fakeReplica(
    "a",
    (signal) => {
      whileInFlight = getEventListeners(caller.signal, "abort").length;
      return answersAfter(1)(signal);
    },
    0,
  );
  const { session } = fleetOf([a.replica]);
  await session().complete({} as never, caller.signal);
  t.equal(whileInFlight, 1, "in flight: the attempt's link, nothing else");
  t.equal(getEventListeners(caller.signal, "abort").length, 0, "after: none");
});

t.test("a refused connection is retried elsewhere and marks the replica down", async (t) => {
  const [a, b] = [fakeReplica("a", refuses, 0), fakeReplica("b", answersAfter(1), 9)];
  const { events, session } = fleetOf([a.replica, b.replica]);
  const verdict = session();
  t.same(await verdict.complete({} as never), COMPLETION);
  t.same(events, ["call a error", "retry connect", "call b ok"]);
  t.equal(verdict.replica, "b", "the pin moved");
  t.notOk(a.replica.healthy);
});

t.test("an attempt past its timeout is a retryable UPSTREAM_TIMEOUT", async (t) => {
  const a = fakeReplica("a", hangs, 0);
  const { events, session } = fleetOf([a.replica]);
  await t.rejects(session().complete({} as never), { kind: "timeout", code: "UPSTREAM_TIMEOUT" });
  t.same(events, ["call a timeout", "retry timeout"], "no replica left for the retry");
  t.equal(a.replica.consecutiveFailures, 1, "counted toward ejection");
});

t.test(
  "a caller that goes away: cancelled, not retried, not held against the replica",
  async (t) => {
    const a = fakeReplica("a", hangs, 0);
    const { events, session } = fleetOf([a.replica]);
    const caller = new AbortController();
    const done = session().complete({} as never, caller.signal);
    await sleep(5);
    caller.abort(new Error("client closed"));
    await t.rejects(done, { kind: "aborted", code: "UPSTREAM_ERROR" });
    t.equal(a.signals[0]?.reason?.message, "client closed", "the attempt got the caller's reason");
    t.same(events, ["call a cancelled"]);
    t.equal(a.replica.consecutiveFailures, 0);
    t.equal(a.replica.inFlight, 0);
  },
);

t.test("a caller already gone when a call starts: the attempt starts cancelled", async (t) => {
  const a = fakeReplica("a", answersAfter(1), 0);
  const { events, session } = fleetOf([a.replica]);
  const caller = new AbortController();
  caller.abort(new Error("client closed"));
  await t.rejects(session().complete({} as never, caller.signal), {
    kind: "aborted",
    code: "UPSTREAM_ERROR",
  });
  t.ok(a.signals[0]?.aborted, "the replica was asked with an aborted signal");
  t.same(events, ["call a cancelled"]);
});

t.test("a hedge that wins cancels the primary and counts it as slow", async (t) => {
  const [a, b] = [fakeReplica("a", hangs, 0), fakeReplica("b", answersAfter(1), 9)];
  const hedge = { percentile: 50, minSamples: 1, minDelayMs: 20 };
  const { context, events, session } = fleetOf([a.replica, b.replica], hedge);
  context.latency.record(1);
  t.same(await session().complete({} as never), COMPLETION);
  await sleep(5);
  t.same(events, ["call b ok", "hedge won by hedge", "call a cancelled"]);
  t.ok(a.replica.latencyMs >= 20, "the primary's latency is at least the hedge delay");
  t.equal(a.replica.consecutiveFailures, 1);
  t.same([a.replica.inFlight, b.replica.inFlight], [0, 0]);
});
