import t from "tap";
import { runBounded } from "../../../trainer/io/bounded-pool.ts";

/** Calls that end only when the test ends them, so what is in flight is known at every step. */
function heldCalls() {
  const open = new Map<number, () => void>();
  let peak = 0;
  return {
    open,
    get peak() {
      return peak;
    },
    work: (item: number) =>
      new Promise<void>((resolve) => {
        open.set(item, resolve);
        peak = Math.max(peak, open.size);
      }),
    /** Ends the oldest call in flight and lets the pool react. */
    async endOne() {
      const [item, resolve] = open.entries().next().value as [number, () => void];
      open.delete(item);
      resolve();
      await new Promise((r) => setImmediate(r));
    },
  };
}

const settle = () => new Promise((r) => setImmediate(r));

t.test("a fixed limit keeps that many calls in flight and runs every item", async (t) => {
  const calls = heldCalls();
  const done = runBounded([1, 2, 3, 4, 5], 2, calls.work);
  await settle();
  t.equal(calls.open.size, 2);
  while (calls.open.size > 0) await calls.endOne();
  await done;
  t.equal(calls.peak, 2);
});

t.test("a limit that grows while calls are in flight starts more at the next end", async (t) => {
  const calls = heldCalls();
  let limit = 2;
  const items = Array.from({ length: 20 }, (_, i) => i);
  const done = runBounded(items, () => limit, calls.work);
  await settle();
  t.equal(calls.open.size, 2, "two replicas' worth to start with");
  limit = 8; // replicas joined
  await calls.endOne();
  t.equal(calls.open.size, 8, "the pool grew to the new limit as soon as one call ended");
  limit = 3; // replicas left
  await calls.endOne();
  t.equal(calls.open.size, 7, "no new call while above the lower limit");
  for (let i = 0; i < 4; i++) await calls.endOne();
  t.equal(calls.open.size, 3, "back at the lower limit, refilled to it");
  while (calls.open.size > 0) await calls.endOne();
  await done;
});

t.test("a limit that grows while no call ends is seen by the pool's own re-check", async (t) => {
  const calls = heldCalls();
  let limit = 1;
  const done = runBounded([1, 2, 3], () => limit, calls.work);
  await settle();
  t.equal(calls.open.size, 1);
  limit = 3;
  // The re-check runs once a second: wait for it by polling, not by a timed assertion.
  while (calls.open.size < 3) await new Promise((r) => setTimeout(r, 50));
  t.equal(calls.open.size, 3);
  while (calls.open.size > 0) await calls.endOne();
  await done;
});

t.test("a limit of zero still runs one call at a time", async (t) => {
  const calls = heldCalls();
  const done = runBounded([1, 2], () => 0, calls.work);
  await settle();
  t.equal(calls.open.size, 1);
  while (calls.open.size > 0) await calls.endOne();
  await done;
});

t.test("a failure stops new calls and rejects once those in flight have settled", async (t) => {
  const calls = heldCalls();
  let started = 0;
  const done = runBounded([1, 2, 3, 4], 2, (item) => {
    started++;
    return item === 1 ? Promise.reject(new Error("boom")) : calls.work(item);
  });
  await settle();
  t.equal(started, 2, "item 1 failed; item 2 is in flight; the failure starts no more");
  let settled = false;
  void done.catch(() => {
    settled = true;
  });
  await settle();
  t.notOk(settled, "still waiting for the call in flight");
  await calls.endOne();
  await t.rejects(done, /boom/);
  t.equal(started, 2);
});

t.test("an abort stops taking items and rejects with the abort", async (t) => {
  const calls = heldCalls();
  const controller = new AbortController();
  const rejected = t.rejects(runBounded([1, 2, 3, 4], 2, calls.work, controller.signal), /stopped/);
  await settle();
  controller.abort(new Error("stopped"));
  await calls.endOne();
  t.equal(calls.open.size, 1, "no new call after the abort");
  await calls.endOne();
  await rejected;
});
