import { getEventListeners } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import t from "tap";
import {
  deadlineSignal,
  followShutdown,
  LinkedSignal,
  linkSignals,
} from "../../../src/core/signals.ts";

const listeners = (signal: AbortSignal) => getEventListeners(signal, "abort").length;

t.test("a link aborts with the reason of whichever parent aborted first", async (t) => {
  const [first, second] = [new AbortController(), new AbortController()];
  const linked = linkSignals(first.signal, second.signal);
  second.abort("second's reason");
  t.equal(linked.signal.reason, "second's reason", "not the first parent's (undefined) reason");
  first.abort("first's reason");
  t.equal(linked.signal.reason, "second's reason", "a later abort changes nothing");

  const [one, other] = [new AbortController(), new AbortController()];
  const byFirst = linkSignals(one.signal, other.signal);
  one.abort("one's reason");
  t.equal(byFirst.signal.reason, "one's reason");
  t.notOk(other.signal.aborted, "a parent never aborts because of a link");
});

t.test("a link adds one listener per present parent; dispose removes them", async (t) => {
  const [first, second] = [new AbortController(), new AbortController()];
  const linked = linkSignals(first.signal, undefined, second.signal);
  t.equal(listeners(first.signal), 1);
  t.equal(listeners(second.signal), 1);
  linked.dispose();
  t.equal(listeners(first.signal), 0);
  t.equal(listeners(second.signal), 0);
  first.abort("late");
  t.notOk(linked.signal.aborted, "a disposed link no longer follows its parents");
});

t.test("a link with no parent present is a plain controller: no listener anywhere", async (t) => {
  const linked = linkSignals(undefined, undefined);
  t.notOk(linked.signal.aborted);
  linked.abort("own reason");
  t.equal(linked.signal.reason, "own reason");
  linked.dispose();
});

t.test(
  "dispose detaches from the parents given, whatever the caller's array holds later",
  async (t) => {
    const parent = new AbortController();
    const parents: (AbortSignal | undefined)[] = [parent.signal];
    const linked = new LinkedSignal(parents);
    parents[0] = undefined;
    linked.dispose();
    t.equal(listeners(parent.signal), 0);
    parent.abort("late");
    t.equal(linked.signal.aborted, false, "disposed: the parent no longer reaches it");
  },
);

t.test("a parent already aborted aborts the link at once, and adds no listener", async (t) => {
  const [live, gone] = [new AbortController(), new AbortController()];
  gone.abort("already gone");
  const linked = linkSignals(live.signal, gone.signal);
  t.ok(linked.signal.aborted);
  t.equal(linked.signal.reason, "already gone");
  t.equal(listeners(live.signal), 0, "nothing left to follow");
});

t.test("aborting a link leaves its parents alone", async (t) => {
  const parent = new AbortController();
  const [one, other] = [linkSignals(parent.signal), linkSignals(parent.signal)];
  one.abort("sibling failed");
  t.equal(one.signal.reason, "sibling failed");
  t.notOk(parent.signal.aborted);
  t.notOk(other.signal.aborted);
  one.dispose();
  other.dispose();
});

t.test("a deadline aborts with its reason, made only when it fires", async (t) => {
  let made = 0;
  const reason = () => {
    made += 1;
    return new Error("too late");
  };
  const expiring = deadlineSignal(10, reason);
  const disposed = deadlineSignal(10, reason);
  disposed.dispose();
  t.notOk(expiring.expired);
  await sleep(40);
  t.ok(expiring.expired);
  t.match(expiring.signal.reason, { message: "too late" });
  t.notOk(disposed.signal.aborted, "a disposed deadline never fires");
  t.notOk(disposed.expired);
  t.equal(made, 1, "the disposed deadline made no reason");
});

t.test("expired says the deadline passed even when the signal had aborted before", async (t) => {
  const parent = new AbortController();
  const linked = linkSignals(parent.signal).expireAfter(10, () => "deadline", true);
  parent.abort("caller");
  await sleep(40);
  t.ok(linked.expired);
  t.equal(linked.signal.reason, "caller", "the first reason stays");
  linked.dispose();
});

t.test("a deadline beyond Node's longest timer is none (Node would fire it at once)", async (t) => {
  const far = deadlineSignal(2 ** 31, () => "fired");
  const infinite = deadlineSignal(Number.POSITIVE_INFINITY, () => "fired");
  await sleep(20);
  t.notOk(far.signal.aborted);
  t.notOk(infinite.signal.aborted);
});

t.test(
  "followers abort with the shutdown's reason; one that stopped following does not",
  async (t) => {
    const shutdown = new AbortController();
    const [staying, leaving, third] = [
      new AbortController(),
      new AbortController(),
      new AbortController(),
    ];
    followShutdown(shutdown.signal, staying);
    const unfollow = followShutdown(shutdown.signal, leaving);
    followShutdown(shutdown.signal, third);
    unfollow();
    const reason = new Error("shutting down");
    shutdown.abort(reason);
    t.equal(staying.signal.reason, reason);
    t.equal(third.signal.reason, reason);
    t.notOk(leaving.signal.aborted, "unfollowed before the shutdown: untouched");
  },
);

t.test("following a signal already aborted aborts at once", async (t) => {
  const shutdown = new AbortController();
  shutdown.abort("gone");
  const controller = new AbortController();
  const unfollow = followShutdown(shutdown.signal, controller);
  t.equal(controller.signal.reason, "gone");
  unfollow();
  const linked = new LinkedSignal().followShutdown(shutdown.signal);
  t.equal(linked.signal.reason, "gone");
});

t.test("two shutdown signals keep separate followers", async (t) => {
  const [a, b] = [new AbortController(), new AbortController()];
  const [followsA, followsB] = [new AbortController(), new AbortController()];
  followShutdown(a.signal, followsA);
  followShutdown(b.signal, followsB);
  a.abort();
  t.ok(followsA.signal.aborted);
  t.notOk(followsB.signal.aborted);
});

t.test("linked signals follow shutdown through one listener, however many", async (t) => {
  const shutdown = new AbortController();
  const calls = Array.from({ length: 5 }, () => new LinkedSignal().followShutdown(shutdown.signal));
  t.equal(listeners(shutdown.signal), 1, "one listener on the shutdown signal in all");
  calls[0]!.dispose();
  shutdown.abort("stopping");
  t.notOk(calls[0]!.signal.aborted, "disposed before the shutdown: untouched");
  t.same(
    calls.slice(1).map((call) => call.signal.reason),
    ["stopping", "stopping", "stopping", "stopping"],
  );
});

t.test("without a shutdown signal, following is a no-op", async (t) => {
  const linked = deadlineSignal(1_000, () => "late").followShutdown(undefined);
  t.notOk(linked.signal.aborted);
  linked.dispose();
});

/** Timers holding the process open now (an unref'd one is not listed). */
const heldTimers = () =>
  process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;

t.test("a deadline holds the process open only when asked to, until disposed", async (t) => {
  const before = heldTimers();
  const unrefd = deadlineSignal(60_000, () => "late");
  t.equal(heldTimers(), before, "a deadline alone does not hold the process open");
  const kept = new LinkedSignal().expireAfter(60_000, () => "late", true);
  t.equal(heldTimers(), before + 1, "keepAlive holds it");
  const longest = new LinkedSignal().expireAfter(2 ** 31 - 1, () => "late", true);
  t.equal(heldTimers(), before + 2, "Node's longest timer is still a deadline");
  const tooLong = new LinkedSignal().expireAfter(2 ** 31, () => "late", true);
  t.equal(heldTimers(), before + 2, "one past it is none");
  for (const linked of [unrefd, kept, longest, tooLong]) linked.dispose();
  t.equal(heldTimers(), before, "dispose clears the timer");
  t.notOk(kept.signal.aborted);
});

t.test("a parent or shutdown that aborts lets go of its listener by itself", async (t) => {
  const [parent, other] = [new AbortController(), new AbortController()];
  const linked = linkSignals(parent.signal, other.signal);
  parent.abort("gone");
  t.equal(listeners(parent.signal), 0, "the aborted parent's listener went with it");
  t.equal(listeners(other.signal), 1, "until dispose, the other parent is still followed");
  linked.dispose();
  t.equal(listeners(other.signal), 0);

  const shutdown = new AbortController();
  new LinkedSignal().followShutdown(shutdown.signal);
  shutdown.abort("stopping");
  t.equal(listeners(shutdown.signal), 0);
});
