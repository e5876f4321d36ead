import t from "tap";
import type { AppError } from "../../../src/core/errors.ts";
import { createInflightBytes } from "../../../src/core/inflight-bytes.ts";

t.test("admits within the limit, refuses past it, and gets every byte back", async (t) => {
  const refusals: number[] = [];
  const budget = createInflightBytes(100, (refusal) => refusals.push(refusal.requested));
  const first = budget.reserve(60);
  t.equal(budget.tryReserve(50), null, "60 + 50 > 100");
  const second = budget.tryReserve(40)!;
  t.equal(budget.used(), 100);
  t.equal(second.tryGrow(1), false, "a grow past the limit holds nothing");
  t.equal(second.bytes, 40);
  const error = (() => {
    try {
      first.grow(1);
    } catch (thrown) {
      return thrown as AppError;
    }
  })();
  t.equal(error?.code, "OVERLOADED");
  t.equal(error?.retryAfterSeconds, 1);
  t.same(refusals, [50, 1, 1]);
  first.release();
  first.release();
  t.equal(budget.used(), 40, "released once, however often called");
  t.ok(second.tryGrow(60));
  second.release();
  t.equal(budget.used(), 0);
  t.equal(budget.open(), 0);
  // A request whose response closed may start nothing more: its images would be decoded and
  // judged outside the budget.
  t.notOk(second.tryGrow(1_000), "a released reservation refuses to grow");
  t.throws(() => second.grow(1), { code: "OVERLOADED" });
  t.ok(second.tryGrow(0), "growing by nothing is still nothing");
  t.equal(budget.used(), 0);
  t.throws(() => createInflightBytes(0), TypeError);
});
