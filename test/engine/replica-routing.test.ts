import fc from "fast-check";
import t from "tap";
import { pickReplica } from "../../src/engine/replica-routing.ts";

const sequence = (...values: number[]) => {
  let index = 0;
  return () => values[index++ % values.length]!;
};

t.test("no candidates → null, one → that one", async (t) => {
  t.equal(pickReplica([]), null);
  const only = { id: "a", inFlight: 9, waiting: 9 };
  t.equal(pickReplica([only]), only);
});

t.test("of the two sampled, the less loaded wins", async (t) => {
  const replicas = [
    { id: "a", inFlight: 5, waiting: 0 },
    { id: "b", inFlight: 0, waiting: 1 },
    { id: "c", inFlight: 0, waiting: 0 },
  ];
  // draws pick a (index 0) then b (index 0 of the remaining two → b)
  t.equal(pickReplica(replicas, sequence(0, 0))?.id, "b");
  // draws pick a then c
  t.equal(pickReplica(replicas, sequence(0, 0.99))?.id, "c");
});

t.test("a replica loaded more than all others is never picked", async (t) => {
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(
        fc.array(fc.nat(100), { minLength: 2, maxLength: 8 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (loads, r1, r2) => {
          const replicas = loads.map((load, i) => ({ id: String(i), inFlight: load, waiting: 0 }));
          const max = Math.max(...loads);
          const uniqueMax = loads.filter((load) => load === max).length === 1;
          const picked = pickReplica(replicas, sequence(r1, r2))!;
          return !uniqueMax || picked.inFlight < max;
        },
      ),
    ),
  );
});
