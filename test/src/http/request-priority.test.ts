import t from "tap";
import { AppError } from "../../../src/core/errors.ts";
import { callerPriority } from "../../../src/http/request-priority.ts";

t.test("the header names the class; without it the route's default applies", async (t) => {
  t.equal(callerPriority({}, "interactive"), "interactive");
  t.equal(callerPriority({}, "batch"), "batch", "the reward routes' default");
  t.equal(callerPriority({ "x-jurist-priority": "batch" }, "interactive"), "batch");
  t.equal(callerPriority({ "x-jurist-priority": "interactive" }, "batch"), "interactive");
  t.equal(callerPriority({ "x-jurist-priority": " BATCH " }, "interactive"), "batch");
});

t.test("anything else is INVALID_REQUEST naming the header", async (t) => {
  for (const value of ["", "urgent", "batch,interactive", ["batch", "batch"]]) {
    const thrown = t.throws(() => callerPriority({ "x-jurist-priority": value }, "interactive"));
    t.ok(thrown instanceof AppError && thrown.code === "INVALID_REQUEST", JSON.stringify(value));
  }
});
