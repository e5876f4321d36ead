import t from "tap";
import { AppError } from "../../../src/core/errors.ts";
import {
  createInflightBytes,
  type InflightRefusal,
  isOverBudget,
  overBudget,
  UNBUDGETED,
} from "../../../src/core/inflight-bytes.ts";

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

t.test("only a positive safe integer is a budget", async (t) => {
  for (const limit of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
    t.throws(
      () => createInflightBytes(limit),
      new TypeError(`an in-flight byte budget must be a positive integer, got ${limit}`),
      String(limit),
    );
  }
  t.equal(createInflightBytes(1).limit, 1);
  t.equal(createInflightBytes(Number.MAX_SAFE_INTEGER).limit, Number.MAX_SAFE_INTEGER);
});

t.test("a refusal tells its observer what was asked, what was held and the limit", async (t) => {
  const refusals: InflightRefusal[] = [];
  const budget = createInflightBytes(100, (refusal) => refusals.push(refusal));
  const held = budget.reserve(70);
  t.equal(budget.tryReserve(31), null);
  t.notOk(held.tryGrow(31));
  t.ok(held.tryGrow(30), "exactly to the limit fits");
  t.same(refusals, [
    { requested: 31, used: 70, limit: 100 },
    { requested: 31, used: 70, limit: 100 },
  ]);
  t.equal(budget.used(), 100);
  t.equal(held.bytes, 100);
  // The default observer: refusing without one does not throw.
  t.equal(createInflightBytes(1).tryReserve(2), null);
});

t.test("the refusal is a 503 OVERLOADED of its own class, naming the bytes", async (t) => {
  const budget = createInflightBytes(10);
  let refusal: unknown;
  try {
    budget.reserve(11);
  } catch (thrown) {
    refusal = thrown;
  }
  t.ok(refusal instanceof AppError);
  t.ok(isOverBudget(refusal));
  const error = refusal as AppError;
  t.equal(error.code, "OVERLOADED");
  t.equal(error.httpStatus, 503);
  t.equal(error.retryAfterSeconds, 1);
  t.equal(
    error.message,
    "the server is overloaded (memory: 11 more request bytes do not fit the in-flight budget)",
  );
  t.ok(isOverBudget(overBudget(5)));
  t.notOk(isOverBudget(new AppError("OVERLOADED", "shed")), "a load shed is not the budget");
  t.notOk(isOverBudget(new Error("x")));
  t.equal(budget.used(), 0, "a refused reserve holds nothing");
  t.equal(budget.open(), 0, "and opens nothing");
});

t.test("nothing and less than nothing are always admitted and hold nothing", async (t) => {
  const budget = createInflightBytes(10);
  budget.reserve(10);
  const empty = budget.reserve(0);
  const negative = budget.tryReserve(-5)!;
  t.equal(empty.bytes, 0);
  t.equal(negative.bytes, 0);
  t.ok(negative.tryGrow(-3));
  t.equal(negative.bytes, 0, "a negative grow gives nothing back");
  t.equal(budget.used(), 10);
  t.equal(budget.open(), 3, "each reservation is open until released");
  negative.release();
  t.equal(budget.used(), 10);
  t.equal(budget.open(), 2);
});

t.test("reservations grow and release independently", async (t) => {
  const budget = createInflightBytes(1000);
  const a = budget.reserve(100);
  const b = budget.reserve(200);
  a.grow(50);
  t.equal(a.bytes, 150);
  t.equal(budget.used(), 350);
  t.equal(budget.open(), 2);
  a.release();
  t.equal(a.bytes, 0, "a released reservation holds nothing");
  t.equal(budget.used(), 200);
  t.equal(budget.open(), 1);
  b.release();
  t.equal(budget.used(), 0);
});

t.test("the unbudgeted reservation holds and refuses nothing", async (t) => {
  t.equal(UNBUDGETED.bytes, 0);
  t.ok(UNBUDGETED.tryGrow(Number.MAX_SAFE_INTEGER));
  t.doesNotThrow(() => UNBUDGETED.grow(Number.MAX_SAFE_INTEGER));
  t.doesNotThrow(() => UNBUDGETED.release());
  t.equal(UNBUDGETED.bytes, 0);
});
