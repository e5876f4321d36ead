import t from "tap";
import {
  AppError,
  ERROR_CATALOGUE,
  type ErrorCode,
  errorBody,
  toAppError,
} from "../../../src/core/errors.ts";

/** gRPC's status numbers (grpc/doc/statuscodes.md). */
const GRPC = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** The catalogue as docs/api.md ("errors") publishes it: code, HTTP status, gRPC status. */
const DOCUMENTED: [ErrorCode, number, keyof typeof GRPC][] = [
  ["INVALID_REQUEST", 400, "INVALID_ARGUMENT"],
  ["UNAUTHENTICATED", 401, "UNAUTHENTICATED"],
  ["FORBIDDEN", 403, "PERMISSION_DENIED"],
  ["NOT_FOUND", 404, "NOT_FOUND"],
  ["REQUEST_TIMEOUT", 408, "DEADLINE_EXCEEDED"],
  ["CONFLICT", 409, "ABORTED"],
  ["PAYLOAD_TOO_LARGE", 413, "INVALID_ARGUMENT"],
  ["IMAGE_TOO_LARGE", 413, "INVALID_ARGUMENT"],
  ["UNSUPPORTED_MEDIA", 415, "INVALID_ARGUMENT"],
  ["EXPECTATION_FAILED", 417, "INVALID_ARGUMENT"],
  ["IMAGE_FETCH_FAILED", 422, "FAILED_PRECONDITION"],
  ["RATE_LIMITED", 429, "RESOURCE_EXHAUSTED"],
  ["HEADERS_TOO_LARGE", 431, "INVALID_ARGUMENT"],
  ["INTERNAL", 500, "INTERNAL"],
  ["NOT_IMPLEMENTED", 501, "UNIMPLEMENTED"],
  ["UPSTREAM_ERROR", 502, "UNAVAILABLE"],
  ["PROMOTION_FAILED", 502, "UNAVAILABLE"],
  ["OVERLOADED", 503, "UNAVAILABLE"],
  ["NO_HEALTHY_REPLICA", 503, "UNAVAILABLE"],
  ["STORE_UNAVAILABLE", 503, "UNAVAILABLE"],
  ["UPSTREAM_TIMEOUT", 504, "DEADLINE_EXCEEDED"],
  ["DEADLINE_TOO_SHORT", 504, "DEADLINE_EXCEEDED"],
];

t.test("every code answers the HTTP and gRPC status the API documents", async (t) => {
  t.same(
    Object.keys(ERROR_CATALOGUE).sort(),
    DOCUMENTED.map(([code]) => code).sort(),
    "the same codes, none undocumented",
  );
  for (const [code, http, grpc] of DOCUMENTED) {
    const error = new AppError(code, "message");
    t.equal(error.httpStatus, http, `${code} HTTP`);
    t.equal(error.grpcStatus, GRPC[grpc], `${code} gRPC ${grpc}`);
    t.equal(error.isServerFault, http >= 500, `${code} is ${http >= 500 ? "" : "not "}ours`);
  }
});

t.test("an AppError carries its code, message and options", async (t) => {
  const cause = new Error("socket hang up");
  const details = [{ path: "images.0.url", reason: "not reachable" }];
  const error = new AppError("IMAGE_FETCH_FAILED", "the image could not be fetched", {
    details,
    cause,
    retryAfterSeconds: 3,
    publicMessage: "for callers",
  });
  t.ok(error instanceof Error);
  t.equal(error.name, "AppError");
  t.equal(error.code, "IMAGE_FETCH_FAILED");
  t.equal(error.message, "the image could not be fetched");
  t.equal(error.cause, cause);
  t.equal(error.details, details);
  t.equal(error.retryAfterSeconds, 3);
  t.equal(error.publicMessage, "for callers");

  const bare = new AppError("NOT_FOUND", "no such checkpoint");
  t.equal(bare.cause, undefined);
  t.equal(bare.details, undefined);
  t.equal(bare.retryAfterSeconds, undefined);
  t.equal(bare.publicMessage, undefined);
});

t.test("anything thrown becomes an AppError; an AppError stays itself", async (t) => {
  const app = new AppError("CONFLICT", "busy");
  t.equal(toAppError(app), app);
  const thrown = new TypeError("x is undefined");
  const wrapped = toAppError(thrown);
  t.ok(wrapped instanceof AppError);
  t.equal(wrapped.code, "INTERNAL");
  t.equal(wrapped.message, "internal error");
  t.equal(wrapped.cause, thrown);
  t.equal(toAppError("a string").cause, "a string");
});

t.test("a client error's body carries its own message and details", async (t) => {
  const details = [{ path: "prompt", reason: "must not be empty" }];
  t.same(errorBody(new AppError("INVALID_REQUEST", "prompt: must not be empty", { details })), {
    error: { code: "INVALID_REQUEST", message: "prompt: must not be empty", details },
  });
  const noDetails = errorBody(new AppError("NOT_FOUND", "checkpoint 'nope' is not registered"));
  t.same(noDetails, {
    error: { code: "NOT_FOUND", message: "checkpoint 'nope' is not registered" },
  });
  t.notOk("details" in noDetails.error, "no details key when there are none");
});

t.test("a server fault's body never carries its internals", async (t) => {
  const secret = "ECONNREFUSED 10.0.0.7:8000 at /srv/engine.ts:42";
  const details = [{ reason: secret }];
  for (const [code, message] of [
    ["INTERNAL", "internal error"],
    ["UPSTREAM_ERROR", "the judge engine failed to answer"],
    ["UPSTREAM_TIMEOUT", "the judge engine did not answer in time"],
  ] as const) {
    const body = errorBody(new AppError(code, secret, { details }));
    t.same(body, { error: { code, message } }, code);
    t.notOk("details" in body.error, `${code}: no details`);
  }
  t.same(
    errorBody(new AppError("UPSTREAM_TIMEOUT", secret, { publicMessage: "images.0.url: late" })),
    { error: { code: "UPSTREAM_TIMEOUT", message: "images.0.url: late" } },
    "the public message we wrote wins over the catalogue's",
  );
  t.same(
    errorBody(new AppError("OVERLOADED", "the server is overloaded (memory)", { details })),
    { error: { code: "OVERLOADED", message: "the server is overloaded (memory)" } },
    "a code without catalogue text keeps the message we wrote, still without details",
  );
});
