import { type Deadline, type handleUnaryCall, type Metadata, status } from "@grpc/grpc-js";
import type { Logger } from "pino";
import { type AppError, toAppError } from "../core/errors.ts";
import { deadlineIsCallers, type FailureContext, logFailure } from "../core/failure-log.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { type GrpcErrorStatus, grpcErrorStatus, statusName } from "./grpc-errors.ts";
import { callSignal } from "./grpc-signal.ts";

/** What every RPC handler shares: limits, cancellation, logs and metrics. */
export interface RpcOptions {
  /** Longest a unary call may take, ms, whatever its deadline. */
  timeoutMs: number;
  /** Aborted when in-flight work must stop (the runtime's shutdown signal). */
  shutdown: AbortSignal;
  logger: Logger;
  metrics: Metrics["grpc"];
}

/** What a unary handler gets besides the request. */
export interface UnaryContext {
  /** Aborted on deadline, client cancel or shutdown. */
  signal: AbortSignal;
  /** When `signal` aborts for the deadline (epoch ms); undefined when the call has none. */
  deadlineAt: number | undefined;
  metadata: Metadata;
  /** The client, as grpc-js names it (`host:port`). */
  peer: string;
}

/** Counts a finished call and its duration. */
export function recordCall(
  metrics: Metrics["grpc"],
  method: string,
  code: status,
  started: number,
): void {
  metrics.finished(method, statusName(code), (performance.now() - started) / 1000);
}

/**
 * Logs a failed call at the level src/core/failure-log.ts gives it: faults on our side with
 * their cause (which never reaches the caller), shedding and deadlines as one line, no stack.
 */
export function logFault(
  logger: Logger,
  error: AppError,
  method: string,
  context: FailureContext = {},
): void {
  logFailure(logger, error, "gRPC call failed", { method }, context);
}

/** What is left of the client's own deadline, ms; undefined when it set none (Infinity). */
function callerDeadlineMs(deadline: Deadline): number | undefined {
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(at) ? at - Date.now() : undefined;
}

/** The status of a call that failed, and the code to count it under. */
function failure(
  thrown: unknown,
  cancelled: boolean,
  options: RpcOptions,
  method: string,
  context: FailureContext,
) {
  const error = toAppError(thrown);
  const sent: GrpcErrorStatus = grpcErrorStatus(error);
  // A call the client cancelled (or grpc-js ended at its deadline) failed because of that.
  if (cancelled) {
    const code = sent.code === status.DEADLINE_EXCEEDED ? sent.code : status.CANCELLED;
    return { sent, counted: code };
  }
  logFault(options.logger, error, method, context);
  return { sent, counted: sent.code };
}

/**
 * A grpc-js unary handler from an async function: the function gets the request, an
 * AbortSignal (deadline, cancel, shutdown) and the metadata; what it returns is the response;
 * what it throws leaves as the catalogue's status with `jurist-error-code` trailers.
 */
export function unaryHandler<Request, Response>(
  options: RpcOptions,
  handle: (request: Request, context: UnaryContext) => Promise<Response>,
): handleUnaryCall<Request, Response> {
  return (call, callback) => {
    const started = performance.now();
    const method = call.getPath();
    const { signal, deadlineAt, release } = callSignal(call, options);
    const callerDeadline = deadlineIsCallers(
      callerDeadlineMs(call.getDeadline()),
      options.timeoutMs,
    );
    const context = { signal, deadlineAt, metadata: call.metadata, peer: call.getPeer() };
    handle(call.request, context).then(
      (response) => {
        release();
        recordCall(options.metrics, method, status.OK, started);
        callback(null, response);
      },
      (thrown: unknown) => {
        release();
        const { sent, counted } = failure(thrown, call.cancelled, options, method, {
          callerDeadline,
        });
        recordCall(options.metrics, method, counted, started);
        callback(sent);
      },
    );
  };
}
