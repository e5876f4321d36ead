import t from "tap";
import { parseBackendTarget, replicaUrl } from "../../../src/engine/backend-targets.ts";
import { createCapacityWaiters } from "../../../src/engine/capacity-waiters.ts";
import { createLatencyTracker } from "../../../src/engine/latency-tracker.ts";
import {
  freshEjectionState,
  isEjected,
  recordFailure,
  recordSuccess,
} from "../../../src/engine/outlier-ejection.ts";
import { createRetryBudget } from "../../../src/engine/retry-budget.ts";

t.test("retry budget: retries stay within the ratio of attempts over the window", async (t) => {
  let now = 0;
  const budget = createRetryBudget(
    { ratio: 0.2, windowMs: 10_000, minRetriesPerWindow: 0 },
    () => now,
  );
  for (let i = 0; i < 100; i++) budget.recordAttempt();
  let granted = 0;
  while (budget.tryRetry()) granted += 1;
  t.equal(granted, 20, "20% of 100 attempts");
  now += 5_000;
  t.notOk(budget.tryRetry(), "still spent half a window later");
  now += 6_000;
  t.notOk(budget.tryRetry(), "attempts expired with the window: nothing to retry against");
  for (let i = 0; i < 10; i++) budget.recordAttempt();
  t.ok(budget.tryRetry());
  t.ok(budget.tryRetry());
  t.notOk(budget.tryRetry(), "20% of 10");
});

t.test("retry budget: a floor lets a quiet gateway fail over", async (t) => {
  const budget = createRetryBudget(
    { ratio: 0.2, windowMs: 10_000, minRetriesPerWindow: 3 },
    () => 0,
  );
  budget.recordAttempt();
  t.ok(budget.tryRetry());
  t.ok(budget.tryRetry());
  t.ok(budget.tryRetry());
  t.notOk(budget.tryRetry());
});

t.test("ejection: after consecutive failures, with exponential back-off", async (t) => {
  const policy = { consecutiveFailures: 3, baseMs: 1_000, maxMs: 3_000 };
  const state = freshEjectionState();
  t.notOk(recordFailure(state, policy, 0));
  t.notOk(recordFailure(state, policy, 0));
  t.ok(recordFailure(state, policy, 0), "third failure ejects");
  t.ok(isEjected(state, 999));
  t.notOk(isEjected(state, 1_000), "re-admitted after 1 s");
  recordFailure(state, policy, 1_000);
  recordFailure(state, policy, 1_000);
  t.ok(recordFailure(state, policy, 1_000), "fails again after re-admission");
  t.equal(state.ejectedUntil, 3_000, "second ejection lasts 2 s");
  for (let i = 0; i < 3; i++) recordFailure(state, policy, 3_000);
  t.equal(state.ejectedUntil, 6_000, "capped at maxMs");
  recordSuccess(state);
  for (let i = 0; i < 3; i++) recordFailure(state, policy, 10_000);
  t.equal(state.ejectedUntil, 11_000, "a success resets the back-off");
  const interleaved = freshEjectionState();
  recordFailure(interleaved, policy, 0);
  recordFailure(interleaved, policy, 0);
  recordSuccess(interleaved);
  t.notOk(recordFailure(interleaved, policy, 0), "failures must be consecutive");
});

t.test("latency tracker percentiles need enough samples", async (t) => {
  const tracker = createLatencyTracker(100);
  t.equal(tracker.percentile(95, 1), null);
  for (let i = 1; i <= 100; i++) tracker.record(i);
  t.equal(tracker.percentile(95, 50), 95);
  t.equal(tracker.percentile(50, 50), 50);
  for (let i = 0; i < 100; i++) tracker.record(1_000);
  t.equal(tracker.percentile(50, 50), 1_000, "old samples roll out of the ring");
});

t.test("capacity waiters: bounded, woken, timed out, aborted", async (t) => {
  const waiters = createCapacityWaiters({
    maxWaiters: { interactive: 2, batch: 0 },
    prioritised: true,
  });
  let open = false;
  const first = waiters.wait({ priority: "interactive", timeoutMs: 10_000, attempt: () => open });
  const second = waiters.wait({ priority: "interactive", timeoutMs: 10_000, attempt: () => open });
  t.equal(
    await waiters.wait({ priority: "interactive", timeoutMs: 10_000, attempt: () => true }),
    false,
    "a third waiter is refused at once",
  );
  t.equal(waiters.size(), 2);
  waiters.notify();
  t.equal(waiters.size(), 2, "a waiter whose attempt fails keeps waiting");
  open = true;
  waiters.notify();
  t.same(await Promise.all([first, second]), [true, true]);
  t.equal(
    await waiters.wait({ priority: "interactive", timeoutMs: 10, attempt: () => false }),
    false,
    "times out",
  );
  const controller = new AbortController();
  const aborted = waiters.wait({
    priority: "interactive",
    timeoutMs: 10_000,
    signal: controller.signal,
    attempt: () => false,
  });
  controller.abort();
  t.equal(await aborted, false);
  t.equal(waiters.size(), 0, "nobody left waiting");
});

t.test("backend targets: static URLs and DNS names", async (t) => {
  t.same(parseBackendTarget("http://gpu-1:8000"), { kind: "static", url: "http://gpu-1:8000" });
  const dns = parseBackendTarget("dns+http://vllm-headless:8000");
  t.same(dns, { kind: "dns", protocol: "http", hostname: "vllm-headless", port: 8000 });
  if (typeof dns !== "string" && dns.kind === "dns") {
    t.equal(replicaUrl(dns, "10.0.0.7"), "http://10.0.0.7:8000");
    t.equal(replicaUrl(dns, "fd00::7"), "http://[fd00::7]:8000");
  }
  t.type(parseBackendTarget("ftp://x"), "string");
  t.type(parseBackendTarget("http://x:1/v1"), "string");
  t.type(parseBackendTarget("not a url"), "string");
});
