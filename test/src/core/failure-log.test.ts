import t from "tap";
import { AppError, type ErrorCode } from "../../../src/core/errors.ts";
import {
  deadlineIsCallers,
  failureLogLevel,
  type LevelLogger,
  logFailure,
} from "../../../src/core/failure-log.ts";

t.test("a deadline is the caller's only when it asked for one shorter than ours", async (t) => {
  t.equal(deadlineIsCallers(5_000, 30_000), true);
  t.equal(deadlineIsCallers(0, 30_000), true);
  t.equal(deadlineIsCallers(29_999, 30_000), true);
  t.equal(deadlineIsCallers(30_000, 30_000), false, "as long as ours: ours passed");
  t.equal(deadlineIsCallers(60_000, 30_000), false, "longer: capped at ours");
  t.equal(deadlineIsCallers(undefined, 30_000), false, "none given");
  t.equal(deadlineIsCallers(Number.POSITIVE_INFINITY, 30_000), false, "an infinite one");
  t.equal(deadlineIsCallers(Number.NEGATIVE_INFINITY, 30_000), false, "infinite either way");
  t.equal(deadlineIsCallers(Number.NaN, 30_000), false);
});

t.test("each failure's level: what it says about the service", async (t) => {
  const level = (code: ErrorCode, callerDeadline?: boolean) =>
    failureLogLevel(
      new AppError(code, "m"),
      callerDeadline === undefined ? undefined : { callerDeadline },
    );
  for (const code of [
    "INVALID_REQUEST",
    "NOT_FOUND",
    "RATE_LIMITED",
    "PAYLOAD_TOO_LARGE",
  ] as const) {
    t.equal(level(code), null, `${code}: the access log has it`);
  }
  for (const code of ["OVERLOADED", "DEADLINE_TOO_SHORT", "NOT_IMPLEMENTED"] as const) {
    t.equal(level(code), "info", `${code}: the design working`);
  }
  for (const code of ["NO_HEALTHY_REPLICA", "STORE_UNAVAILABLE"] as const) {
    t.equal(level(code), "warn", `${code}: degraded`);
  }
  for (const code of ["INTERNAL", "UPSTREAM_ERROR", "PROMOTION_FAILED"] as const) {
    t.equal(level(code), "error", `${code}: a fault to fix`);
  }
  t.equal(level("UPSTREAM_TIMEOUT"), "warn", "our deadline: the engine was slow");
  t.equal(level("UPSTREAM_TIMEOUT", false), "warn");
  t.equal(level("UPSTREAM_TIMEOUT", true), "info", "the caller's deadline: its choice");
});

/** A logger that records each call as [level, fields, message]. */
function recordingLogger() {
  const lines: [string, object, string][] = [];
  const logger: LevelLogger = {
    error: (fields, message) => lines.push(["error", fields, message]),
    warn: (fields, message) => lines.push(["warn", fields, message]),
    info: (fields, message) => lines.push(["info", fields, message]),
  };
  return { logger, lines };
}

t.test("a fault is logged as an error with its cause, for the stack", async (t) => {
  const { logger, lines } = recordingLogger();
  const cause = new Error("engine returned garbage");
  logFailure(logger, new AppError("UPSTREAM_ERROR", "bad answer", { cause }), "judge failed", {
    requestId: "r1",
  });
  t.same(lines, [
    ["error", { requestId: "r1", err: cause, code: "UPSTREAM_ERROR" }, "judge failed"],
  ]);
  t.equal((lines[0]![1] as { err: unknown }).err, cause);

  const bare = new AppError("INTERNAL", "internal error");
  logFailure(logger, bare, "judge failed");
  t.same(lines[1], ["error", { err: bare, code: "INTERNAL" }, "judge failed"]);
  t.equal((lines[1]![1] as { err: unknown }).err, bare, "no cause: the error itself");
});

t.test("other failures are one short line with their code and message", async (t) => {
  const { logger, lines } = recordingLogger();
  const cause = new Error("not to be logged");
  logFailure(logger, new AppError("NO_HEALTHY_REPLICA", "no replica", { cause }), "m1", {
    route: "/v1/judge/pairwise",
  });
  logFailure(logger, new AppError("OVERLOADED", "shed"), "m2");
  logFailure(
    logger,
    new AppError("UPSTREAM_TIMEOUT", "late"),
    "m3",
    { a: 1 },
    {
      callerDeadline: true,
    },
  );
  logFailure(logger, new AppError("UPSTREAM_TIMEOUT", "late"), "m4", { a: 2 });
  t.same(lines, [
    [
      "warn",
      { route: "/v1/judge/pairwise", code: "NO_HEALTHY_REPLICA", reason: "no replica" },
      "m1",
    ],
    ["info", { code: "OVERLOADED", reason: "shed" }, "m2"],
    ["info", { a: 1, code: "UPSTREAM_TIMEOUT", reason: "late" }, "m3"],
    ["warn", { a: 2, code: "UPSTREAM_TIMEOUT", reason: "late" }, "m4"],
  ]);
});

t.test("a client error is not logged here at all", async (t) => {
  const { logger, lines } = recordingLogger();
  logFailure(logger, new AppError("INVALID_REQUEST", "bad"), "m", { a: 1 });
  t.same(lines, []);
});
