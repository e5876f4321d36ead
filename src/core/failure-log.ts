import type { AppError } from "./errors.ts";

/**
 * How loudly a failed request is logged, by what it says about the service (docs/operations.md,
 * logs): `error` only for faults someone must fix, with the cause's stack; `warn` for a
 * service that is degraded (no healthy replica, Redis down, the engine slower than the
 * server's own deadline); `info` for outcomes that are the design working (load shed, a
 * deadline the caller chose, work refused as too slow for its deadline); nothing for a 4xx,
 * which the access log line already records with its status.
 */
export type FailureLogLevel = "error" | "warn" | "info";

export interface FailureContext {
  /** True when the caller set a deadline shorter than the server's (`x-jurist-timeout-ms`, gRPC). */
  callerDeadline?: boolean;
}

/**
 * Whether a deadline that passed was the caller's choice: the caller asked for one (HTTP's
 * `x-jurist-timeout-ms`, a gRPC deadline) and it is shorter than the server's own limit, so it
 * is the one that passes. One asking for as long or longer is capped at the server's limit,
 * and a timeout then is the server's: the engine was slower than the operator allows.
 * `callerMs` is the time the caller gave (gRPC: what was left of its deadline when the call
 * arrived), undefined or infinite when it gave none.
 */
export function deadlineIsCallers(callerMs: number | undefined, serverMs: number): boolean {
  return callerMs !== undefined && Number.isFinite(callerMs) && callerMs < serverMs;
}

export function failureLogLevel(
  error: AppError,
  context: FailureContext = {},
): FailureLogLevel | null {
  if (!error.isServerFault) return null;
  switch (error.code) {
    case "OVERLOADED":
    case "DEADLINE_TOO_SHORT":
    case "NOT_IMPLEMENTED":
      return "info";
    case "UPSTREAM_TIMEOUT":
      return context.callerDeadline ? "info" : "warn";
    case "NO_HEALTHY_REPLICA":
    case "STORE_UNAVAILABLE":
      return "warn";
    default:
      return "error";
  }
}

/** The part of a pino logger this needs, so the core imports no logging library. */
export interface LevelLogger {
  error(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

/**
 * Logs a failed request at its level (see failureLogLevel): faults with `err` (the cause, and
 * its stack), everything else with its code and message only, as one short line.
 */
export function logFailure(
  logger: LevelLogger,
  error: AppError,
  message: string,
  fields: object = {},
  context: FailureContext = {},
): void {
  const level = failureLogLevel(error, context);
  if (level === null) return;
  if (level === "error") {
    logger.error({ ...fields, err: error.cause ?? error, code: error.code }, message);
    return;
  }
  logger[level]({ ...fields, code: error.code, reason: error.message }, message);
}
