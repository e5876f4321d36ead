import t from "tap";
import { followShutdown } from "../../../src/runtime/shutdown-followers.ts";

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
