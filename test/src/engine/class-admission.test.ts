import fc from "fast-check";
import t from "tap";
import { createCapacityWaiters } from "../../../src/engine/capacity-waiters.ts";
import { batchSlots, type ClassAdmission, hasRoom } from "../../../src/engine/class-admission.ts";
import { createClassLoad } from "../../../src/engine/class-load.ts";
import type { PrioritySettings } from "../../../src/engine/fleet-types.ts";
import { type RouteCandidate, routeRequest } from "../../../src/engine/replica-routing.ts";

const batch = (lending = false): ClassAdmission => ({ priority: "batch", reserve: 0.25, lending });
const interactive: ClassAdmission = { priority: "interactive", reserve: 0.25, lending: false };

t.test("batch's share of a replica: ⌊limit × (1 − reserve)⌋, at least one slot", async (t) => {
  t.equal(batchSlots(4, 0.25), 3);
  t.equal(batchSlots(128, 0.25), 96);
  t.equal(batchSlots(10, 0.3), 7, "no slot lost to float rounding");
  t.equal(batchSlots(4, 0), 4, "no reserve: every slot");
  t.equal(batchSlots(1, 0.25), 1, "a one-slot replica still takes batch work");
  t.equal(batchSlots(4, 1), 1);
});

t.test("batch stops at its share unless the reserve is lent; never past the limit", async (t) => {
  t.ok(hasRoom({ inFlight: 2, maxInFlight: 4, batchInFlight: 2 }, batch()));
  t.notOk(hasRoom({ inFlight: 3, maxInFlight: 4, batchInFlight: 3 }, batch()), "share used");
  t.ok(hasRoom({ inFlight: 3, maxInFlight: 4, batchInFlight: 3 }, batch(true)), "lent reserve");
  t.notOk(hasRoom({ inFlight: 4, maxInFlight: 4, batchInFlight: 3 }, batch(true)), "limit");
  t.notOk(hasRoom({ inFlight: 4, maxInFlight: 4, batchInFlight: 1 }, batch(true)));
});

t.test("interactive may use every slot and never waits for lent ones", async (t) => {
  t.ok(hasRoom({ inFlight: 3, maxInFlight: 4, batchInFlight: 3 }, interactive), "the reserve");
  t.notOk(hasRoom({ inFlight: 4, maxInFlight: 4, batchInFlight: 0 }, interactive), "full");
  t.notOk(hasRoom({ inFlight: 4, maxInFlight: 4, batchInFlight: 3 }, interactive));
  t.ok(
    hasRoom({ inFlight: 4, maxInFlight: 4, batchInFlight: 4 }, interactive),
    "a batch call in a lent slot does not count against interactive",
  );
  t.notOk(hasRoom({ inFlight: 5, maxInFlight: 4, batchInFlight: 4 }, interactive));
  t.notOk(hasRoom({ inFlight: 4, maxInFlight: 4 }), "classes off: one limit");
});

t.test("property: batch fills exactly its share, and interactive then finds room", async () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 256 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (limit, reserve) => {
        const admission = { priority: "batch" as const, reserve, lending: false };
        let calls = 0;
        const held = () => ({ inFlight: calls, maxInFlight: limit, batchInFlight: calls });
        while (calls <= limit && hasRoom(held(), admission)) calls += 1;
        const others = { priority: "interactive" as const, reserve, lending: false };
        return calls === batchSlots(limit, reserve) && (calls === limit || hasRoom(held(), others));
      },
    ),
  );
});

t.test("routing skips replicas whose class has no room", async (t) => {
  const replica = (url: string, inFlight: number, batchInFlight: number): RouteCandidate => ({
    url,
    healthy: true,
    ejectedUntil: 0,
    models: ["base"],
    inFlight,
    batchInFlight,
    maxInFlight: 4,
    waiting: 0,
    latencyMs: 10,
  });
  const replicas = [replica("a", 3, 3), replica("b", 3, 2)];
  for (let i = 0; i < 10; i++) {
    t.equal(
      routeRequest(replicas, { checkpoint: "base", admission: batch() }, 0).replica?.url,
      "b",
    );
  }
  const full = [replica("a", 3, 3)];
  t.same(routeRequest(full, { checkpoint: "base", admission: batch() }, 0), {
    replica: null,
    reason: "full",
  });
  t.equal(routeRequest(full, { checkpoint: "base", admission: interactive }, 0).replica?.url, "a");
});

t.test("a freed slot goes to waiting interactive calls before earlier batch ones", async (t) => {
  const waiters = createCapacityWaiters({
    maxWaiters: { interactive: 8, batch: 8 },
    prioritised: true,
  });
  let slots = 0;
  const served: string[] = [];
  const attempt = (name: string) => () => {
    if (slots === 0) return false;
    slots -= 1;
    served.push(name);
    return true;
  };
  const waits = [
    waiters.wait({ priority: "batch", timeoutMs: 10_000, attempt: attempt("batch-1") }),
    waiters.wait({ priority: "batch", timeoutMs: 10_000, attempt: attempt("batch-2") }),
    waiters.wait({ priority: "interactive", timeoutMs: 10_000, attempt: attempt("interactive-1") }),
    waiters.wait({ priority: "interactive", timeoutMs: 10_000, attempt: attempt("interactive-2") }),
  ];
  t.same([waiters.size("interactive"), waiters.size("batch")], [2, 2]);
  for (let freed = 0; freed < 4; freed++) {
    slots += 1;
    waiters.notify();
  }
  t.same(await Promise.all(waits), [true, true, true, true]);
  t.same(served, ["interactive-1", "interactive-2", "batch-1", "batch-2"]);
});

t.test("classes off: one queue in arrival order", async (t) => {
  const waiters = createCapacityWaiters({
    maxWaiters: { interactive: 8, batch: 8 },
    prioritised: false,
  });
  let slots = 0;
  const served: string[] = [];
  const attempt = (name: string) => () => {
    if (slots === 0) return false;
    slots -= 1;
    served.push(name);
    return true;
  };
  const waits = [
    waiters.wait({ priority: "batch", timeoutMs: 10_000, attempt: attempt("batch") }),
    waiters.wait({ priority: "interactive", timeoutMs: 10_000, attempt: attempt("interactive") }),
  ];
  slots = 1;
  waiters.notify();
  slots = 1;
  waiters.notify();
  await Promise.all(waits);
  t.same(served, ["batch", "interactive"]);
});

t.test("each class has its own waiter cap", async (t) => {
  const waiters = createCapacityWaiters({
    maxWaiters: { interactive: 1, batch: 1 },
    prioritised: true,
  });
  const controller = new AbortController();
  const first = waiters.wait({
    priority: "batch",
    timeoutMs: 10_000,
    signal: controller.signal,
    attempt: () => false,
  });
  t.equal(
    await waiters.wait({ priority: "batch", timeoutMs: 10_000, attempt: () => true }),
    false,
    "batch cap",
  );
  const other = waiters.wait({
    priority: "interactive",
    timeoutMs: 10_000,
    signal: controller.signal,
    attempt: () => false,
  });
  t.equal(waiters.size(), 2, "interactive still waits");
  controller.abort();
  t.same(await Promise.all([first, other]), [false, false]);
  t.equal(waiters.size(), 0);
});

t.test("the reserve is lent only after idleMs with no interactive call about", async (t) => {
  const settings: PrioritySettings = {
    enabled: true,
    interactiveReserve: 0.25,
    idleMs: 1_000,
    batchAdmissionWaitMs: 30_000,
    batchAdmissionMaxWaiters: 8,
  };
  let interactiveWaiting = 0;
  const load = createClassLoad(settings, (p) => (p === "interactive" ? interactiveWaiting : 0));
  t.equal(load.admission("batch", 0)?.lending, true, "no interactive call yet");
  load.arrived("interactive", 10_000);
  load.took("interactive");
  t.equal(load.admission("batch", 20_000)?.lending, false, "one in flight");
  load.released("interactive");
  t.equal(load.admission("batch", 10_500)?.lending, false, "arrived recently");
  t.equal(load.admission("batch", 11_000)?.lending, true, "quiet for idleMs");
  interactiveWaiting = 1;
  t.equal(load.admission("batch", 11_000)?.lending, false, "one waiting");
  t.equal(load.admission("interactive", 11_000)?.lending, false, "only batch borrows");
  load.arrived("batch", 12_000);
  t.same([load.inFlight("interactive"), load.inFlight("batch")], [0, 0]);
  const off = createClassLoad({ ...settings, enabled: false }, () => 0);
  t.equal(off.admission("batch", 0), undefined, "classes off: one limit for all");
});

t.test("a pass tries one waiter per failing key, and every unkeyed waiter", async (t) => {
  const waiters = createCapacityWaiters({
    maxWaiters: { interactive: 8, batch: 8 },
    prioritised: true,
  });
  const tried: string[] = [];
  const controller = new AbortController();
  const waitFor = (name: string, key: string | null, admit = false) =>
    waiters.wait({
      priority: "batch",
      timeoutMs: 10_000,
      signal: controller.signal,
      attempt: () => {
        tried.push(name);
        return admit;
      },
      key: () => key,
    });
  const waits = [
    waitFor("a1", "base|"),
    waitFor("a2", "base|"),
    waitFor("b1", "base|gpu-1"),
    waitFor("rider", null),
    waitFor("a3", "base|"),
    waitFor("other", "lora|", true),
  ];
  waiters.notify();
  t.same(tried, ["a1", "b1", "rider", "other"], "a2 and a3 would fail as a1 did");
  controller.abort();
  t.same(await Promise.all(waits), [false, false, false, false, false, true]);
});
