import t from "tap";
import { createStall } from "../../sim/stall.ts";

const never = new AbortController().signal;

t.test("not stalled: hold resolves at once", async (t) => {
  const stall = createStall();
  await stall.hold(never);
  t.equal(stall.size(), 0);
});

t.test("lifting the stall releases every held request", async (t) => {
  const stall = createStall();
  stall.set(true);
  const held = [stall.hold(never), stall.hold(never)];
  t.equal(stall.size(), 2);
  stall.set(false);
  await Promise.all(held);
  t.equal(stall.size(), 0);
});

t.test("an abort releases one held request with its reason", async (t) => {
  const stall = createStall();
  stall.set(true);
  const aborter = new AbortController();
  const leaving = stall.hold(aborter.signal);
  const staying = stall.hold(never);
  aborter.abort(new Error("client left"));
  await t.rejects(leaving, /client left/);
  t.equal(stall.size(), 1);
  stall.set(false);
  await staying;
});

t.test("shutdown rejects held requests and any that arrive later", async (t) => {
  const stall = createStall();
  stall.set(true);
  const held = stall.hold(never);
  stall.shutdown();
  await t.rejects(held, /closing/);
  await t.rejects(stall.hold(never), /closing/);
  t.equal(stall.size(), 0);
});
