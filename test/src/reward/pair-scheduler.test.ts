import { setTimeout as sleep } from "node:timers/promises";
import t from "tap";
import { AppError } from "../../../src/core/errors.ts";
import { type PairLatency, schedulePairs } from "../../../src/reward/pair-scheduler.ts";

const unknown: PairLatency = { pairLatencyMs: () => null };
const observed = (ms: number): PairLatency => ({ pairLatencyMs: () => ms });

/** Work that takes `ms` (or until aborted), counting what is in flight. */
function timedWork(ms: number) {
  let inFlight = 0;
  let peak = 0;
  let started = 0;
  const signals: AbortSignal[] = [];
  async function work(index: number, signal: AbortSignal) {
    started++;
    inFlight++;
    peak = Math.max(peak, inFlight);
    signals.push(signal);
    try {
      await sleep(ms, undefined, { signal });
      return index * 10;
    } finally {
      inFlight--;
    }
  }
  return { work, peak: () => peak, started: () => started, inFlight: () => inFlight, signals };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

t.test("runs every pair, in order, never more than the concurrency at once", async (t) => {
  const timed = timedWork(5);
  const results = await schedulePairs(20, timed.work, { concurrency: 3, latency: unknown });
  t.same(
    results,
    [...Array(20).keys()].map((i) => i * 10),
  );
  t.equal(timed.peak(), 3);
  t.same(await schedulePairs(0, timed.work, { concurrency: 3, latency: unknown }), []);
});

t.test("a deadline the observed latency cannot fit fails at once, before any work", async (t) => {
  const timed = timedWork(5);
  const started = Date.now();
  const error = await rejection(
    schedulePairs(120, timed.work, {
      concurrency: 16,
      latency: observed(300),
      deadlineAt: Date.now() + 1_000,
    }),
  );
  t.ok(error instanceof AppError && error.code === "DEADLINE_TOO_SHORT");
  t.match((error as Error).message, /120 pairs at ~300 ms each, 16 at a time, need ~2400 ms/);
  t.equal(timed.started(), 0, "no pair started");
  t.ok(Date.now() - started < 50);

  const passed = await rejection(
    schedulePairs(2, timed.work, { concurrency: 2, latency: unknown, deadlineAt: Date.now() - 1 }),
  );
  t.equal((passed as AppError).code, "UPSTREAM_TIMEOUT", "a deadline already gone");
  const fits = await schedulePairs(4, timed.work, {
    concurrency: 2,
    latency: observed(5),
    deadlineAt: Date.now() + 1_000,
  });
  t.equal(fits.length, 4, "what fits runs");
});

t.test(
  "the deadline passing mid-way aborts every pair in flight and fails the whole",
  async (t) => {
    const timed = timedWork(10_000);
    const started = Date.now();
    const error = await rejection(
      schedulePairs(8, timed.work, {
        concurrency: 4,
        latency: unknown,
        deadlineAt: Date.now() + 150,
      }),
    );
    t.equal((error as AppError).code, "UPSTREAM_TIMEOUT");
    t.ok(Date.now() - started < 1_000, "at the deadline, not when the pairs would end");
    t.equal(timed.started(), 4, "the next pairs never started");
    t.ok(
      timed.signals.every((signal) => signal.aborted),
      "every in-flight pair was aborted",
    );
    await sleep(10);
    t.equal(timed.inFlight(), 0);
  },
);

t.test("when the pairs judged so far say the rest cannot fit, it fails early", async (t) => {
  const timed = timedWork(60);
  const started = Date.now();
  const error = await rejection(
    schedulePairs(20, timed.work, {
      concurrency: 1,
      latency: unknown,
      deadlineAt: Date.now() + 500,
    }),
  );
  t.equal((error as AppError).code, "DEADLINE_TOO_SHORT");
  t.match((error as Error).message, /as judged so far/);
  t.ok(Date.now() - started < 300, "long before the deadline");
  t.ok(timed.started() < 5);
});

t.test(
  "the caller aborting, or a pair throwing, fails the whole and aborts the rest",
  async (t) => {
    const timed = timedWork(10_000);
    const caller = new AbortController();
    const run = schedulePairs(6, timed.work, {
      concurrency: 3,
      latency: unknown,
      signal: caller.signal,
    });
    await sleep(20);
    caller.abort(new Error("client went away"));
    t.match(await rejection(run), { message: "client went away" });
    t.ok(timed.signals.every((signal) => signal.aborted));

    const signals: AbortSignal[] = [];
    const failing = schedulePairs(
      6,
      async (index, signal) => {
        signals.push(signal);
        if (index === 1) throw new AppError("NOT_FOUND", "no such checkpoint");
        await sleep(10_000, undefined, { signal });
        return index;
      },
      { concurrency: 3, latency: unknown },
    );
    t.match(await rejection(failing), { code: "NOT_FOUND" });
    t.ok(
      signals.every((signal) => signal.aborted),
      "siblings aborted",
    );
  },
);
