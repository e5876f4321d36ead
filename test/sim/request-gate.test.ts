import t from "tap";
import { createRequestGate } from "../../sim/request-gate.ts";

t.test("an aborted waiter leaves the queue and never takes a slot", async (t) => {
  const gate = createRequestGate(() => 1);
  await gate.acquire();
  const aborter = new AbortController();
  const leaving = gate.acquire(aborter.signal);
  const staying = gate.acquire();
  t.same(gate.stats(), { running: 1, waiting: 2 });
  aborter.abort(new Error("gone"));
  await t.rejects(leaving, /gone/);
  t.same(gate.stats(), { running: 1, waiting: 1 });
  gate.release();
  await staying;
  t.same(gate.stats(), { running: 1, waiting: 0 }, "the slot went to the one still waiting");
  gate.release();
  t.same(gate.stats(), { running: 0, waiting: 0 });
});

t.test("an already aborted signal is refused at once", async (t) => {
  const gate = createRequestGate(() => 4);
  await t.rejects(gate.acquire(AbortSignal.abort(new Error("late"))), /late/);
  t.same(gate.stats(), { running: 0, waiting: 0 });
});
