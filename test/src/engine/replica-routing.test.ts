import fc from "fast-check";
import t from "tap";
import {
  extrapolatedLoad,
  pickReplica,
  polledQueueLoad,
  type RouteCandidate,
  routeRequest,
} from "../../../src/engine/replica-routing.ts";

const sequence = (...values: number[]) => {
  let index = 0;
  return () => values[index++ % values.length]!;
};

function replica(url: string, overrides: Partial<RouteCandidate> = {}): RouteCandidate {
  return {
    url,
    healthy: true,
    ejectedUntil: 0,
    models: ["base"],
    inFlight: 0,
    maxInFlight: 8,
    waiting: 0,
    latencyMs: 10,
    ...overrides,
  };
}

const NOW = 1_000_000;

t.test("only replicas that serve the checkpoint are chosen", async (t) => {
  const replicas = [
    replica("a", { models: ["base"] }),
    replica("b", { models: ["base", "lora-7"] }),
  ];
  for (let i = 0; i < 20; i++) {
    const route = routeRequest(replicas, { checkpoint: "lora-7" }, NOW, Math.random);
    t.equal(route.replica?.url, "b");
  }
  t.same(routeRequest(replicas, { checkpoint: "lora-9" }, NOW), {
    replica: null,
    reason: "unknown",
  });
});

t.test("unhealthy, ejected and excluded replicas are skipped", async (t) => {
  const replicas = [
    replica("sick", { healthy: false }),
    replica("ejected", { ejectedUntil: NOW + 1 }),
    replica("failed-before"),
    replica("good"),
  ];
  const exclude = new Set(["failed-before"]);
  for (let i = 0; i < 20; i++) {
    t.equal(routeRequest(replicas, { checkpoint: "base", exclude }, NOW).replica?.url, "good");
  }
  const noGood = replicas.slice(0, 3);
  t.same(routeRequest(noGood, { checkpoint: "base", exclude }, NOW), {
    replica: null,
    reason: "unavailable",
  });
  const ejectionOver = [replica("ejected", { ejectedUntil: NOW })];
  t.equal(routeRequest(ejectionOver, { checkpoint: "base" }, NOW).replica?.url, "ejected");
});

t.test("replicas at their limit are full, not unavailable", async (t) => {
  const replicas = [replica("a", { inFlight: 8 }), replica("b", { inFlight: 9 })];
  t.same(routeRequest(replicas, { checkpoint: "base" }, NOW), { replica: null, reason: "full" });
  replicas[0]!.inFlight = 7;
  t.equal(routeRequest(replicas, { checkpoint: "base" }, NOW).replica?.url, "a");
});

t.test("of the two sampled, the less loaded wins; latency breaks ties", async (t) => {
  const replicas = [
    replica("a", { inFlight: 5 }),
    replica("b", { waiting: 1 }),
    replica("c", { latencyMs: 100 }),
  ];
  t.equal(pickReplica(replicas, sequence(0, 0))?.url, "b", "a vs b: b has less load");
  t.equal(pickReplica(replicas, sequence(0, 0.99))?.url, "c", "a vs c: c has less load");
  t.equal(pickReplica(replicas, sequence(0.99, 0.5))?.url, "c", "c vs b: b has an engine queue");
  const tied = [replica("slow", { latencyMs: 500 }), replica("fast", { latencyMs: 20 })];
  t.equal(pickReplica(tied, sequence(0, 0))?.url, "fast", "equal load: lower latency");
  t.equal(pickReplica(tied, sequence(0.99, 0))?.url, "fast", "whichever was drawn first");
  const twins = [replica("first"), replica("second"), replica("third")];
  t.equal(pickReplica(twins, sequence(0, 0))?.url, "first", "a full tie: the first drawn");
  t.equal(pickReplica(twins, sequence(0.99, 0))?.url, "third", "a full tie: the first drawn");
  t.equal(pickReplica([]), null);
});

t.test("a replica loaded more than all others is never picked", async (t) => {
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(
        fc.array(fc.nat(100), { minLength: 2, maxLength: 8 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (loads, r1, r2) => {
          const replicas = loads.map((load, i) => replica(String(i), { inFlight: load }));
          const max = Math.max(...loads);
          const uniqueMax = loads.filter((load) => load === max).length === 1;
          const picked = pickReplica(replicas, sequence(r1, r2))!;
          return !uniqueMax || picked.inFlight < max;
        },
      ),
    ),
  );
});

// Issue 20: at 20 gateways the polled queue is everyone's and up to a poll old, and this
// gateway's own in-flight count is a twentieth of a replica's load. The rule now in use
// (extrapolatedLoad) takes the engine's whole load at the poll and scales this gateway's change
// since by its share of the fleet. Each case below also shows what the rule before
// (polledQueueLoad) picked, so it fails on it.

/** This gateway's view of a replica: polled `running`/`waiting`, own calls then and now. */
function polled(
  url: string,
  engine: { running: number; waiting: number },
  own: { atPoll: number; now: number },
): RouteCandidate {
  return replica(url, {
    ...engine,
    inFlightAtPoll: own.atPoll,
    inFlight: own.now,
    maxInFlight: 128,
  });
}

t.test("at 20 gateways, the replica everyone piled onto since the poll is avoided", async (t) => {
  // At the poll: `queued` had a queue of 5, `idle` had none; both ran 20 calls, one of them
  // this gateway's (its share: 45 engine calls over 2 of its own → ~22 gateways' worth).
  // Since then this gateway sent 3 more to `idle`: so did every other gateway.
  const fleet = [
    polled("queued", { running: 20, waiting: 5 }, { atPoll: 1, now: 1 }),
    polled("idle", { running: 20, waiting: 0 }, { atPoll: 1, now: 4 }),
  ];
  const pickBoth = sequence(0, 0);
  t.equal(
    routeRequest(fleet, { checkpoint: "base" }, NOW, pickBoth, polledQueueLoad).replica?.url,
    "idle",
    "the rule before herds onto the replica whose queue was empty at the poll",
  );
  t.equal(routeRequest(fleet, { checkpoint: "base" }, NOW, pickBoth).replica?.url, "queued");
  const load = extrapolatedLoad(fleet, NOW);
  t.equal(load(fleet[0]!), 25, "no change since the poll: the engine's load as polled");
  t.equal(load(fleet[1]!), 20 + 22.5 * 3, "3 more of this gateway's stand for 22.5 gateways'");
});

t.test("with one gateway the estimate is exactly its own in-flight count", async (t) => {
  // `drained` ran 4 and queued 2 at the poll, all this gateway's; 5 have finished since. The
  // rule before still counts the 2 queued (long started or done) on top.
  const fleet = [
    polled("drained", { running: 4, waiting: 2 }, { atPoll: 6, now: 1 }),
    polled("steady", { running: 2, waiting: 0 }, { atPoll: 2, now: 2 }),
  ];
  t.equal(
    routeRequest(fleet, { checkpoint: "base" }, NOW, sequence(0, 0), polledQueueLoad).replica?.url,
    "steady",
  );
  t.equal(routeRequest(fleet, { checkpoint: "base" }, NOW, sequence(0, 0)).replica?.url, "drained");
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(64), fc.nat(64), fc.nat(64)), { minLength: 1, maxLength: 8 }),
        (views) => {
          // One gateway: the engine carries exactly this gateway's calls at the poll.
          const replicas = views.map(([running, waiting, now], i) =>
            polled(String(i), { running, waiting }, { atPoll: running + waiting, now }),
          );
          const load = extrapolatedLoad(replicas, NOW);
          return replicas.every((r) => load(r) === r.inFlight);
        },
      ),
    ),
  );
});

t.test("the estimate never drops below this gateway's own in-flight count", async (t) => {
  // Share 20 (40 engine calls over 2 own); this gateway's calls on `a` fell from 2 to 1 since
  // the poll: extrapolated, the others' fell by 20 of the 20 polled, yet 1 is certainly there.
  const fleet = [
    polled("a", { running: 20, waiting: 0 }, { atPoll: 2, now: 1 }),
    polled("b", { running: 20, waiting: 0 }, { atPoll: 0, now: 0 }),
  ];
  t.equal(extrapolatedLoad(fleet, NOW)(fleet[0]!), 1);
});

t.test(
  "a replica never polled for its queue counts this gateway's calls at its share",
  async (t) => {
    // `unread` has no metrics yet (a replica without `/metrics`, or just joined): all that is
    // known is this gateway's 2 calls, which stand for 2 × the fleet-wide share of 10.
    const fleet = [
      polled("read", { running: 10, waiting: 0 }, { atPoll: 1, now: 1 }),
      replica("unread", { inFlight: 2, maxInFlight: 128 }),
    ];
    const load = extrapolatedLoad(fleet, NOW);
    t.equal(load(fleet[1]!), 20);
    t.equal(routeRequest(fleet, { checkpoint: "base" }, NOW, sequence(0, 0)).replica?.url, "read");
  },
);
