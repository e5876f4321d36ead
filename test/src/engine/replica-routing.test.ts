import fc from "fast-check";
import t from "tap";
import {
  pickReplica,
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
