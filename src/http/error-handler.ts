import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { AppError, type ErrorCode, errorBody } from "../core/errors.ts";
import { deadlineIsCallers, logFailure } from "../core/failure-log.ts";
import { CLIENT_CLOSED_REQUEST } from "../metrics/transport-metrics.ts";
import { requestedTimeoutMs } from "./request-signal.ts";

/** Fastify's own 4xx statuses mapped onto the catalogue. */
const STATUS_CODES: Record<number, ErrorCode> = {
  400: "INVALID_REQUEST",
  404: "NOT_FOUND",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA",
};

function fromFastify(error: FastifyError): AppError {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const details = error.validation.map((issue) => {
      const path = issue.instancePath.replace(/^\//, "").replaceAll("/", ".");
      const reason = issue.message ?? "invalid value";
      return path ? { path, reason } : { reason };
    });
    return new AppError("INVALID_REQUEST", "the request does not match the schema", { details });
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code = STATUS_CODES[status] ?? "INVALID_REQUEST";
    return new AppError(code, error.message, { cause: error });
  }
  return new AppError("INTERNAL", "internal error", { cause: error });
}

export interface HttpErrorHandlerOptions {
  /**
   * The server's own deadline for a request (JURIST_REQUEST_TIMEOUT_MS): a deadline that
   * passes is the caller's only when its `x-jurist-timeout-ms` is shorter than this.
   */
  requestTimeoutMs: number;
}

/**
 * The one HTTP error handler: every error leaves as `{ error: { code, message, details? } }`
 * with the catalogue status; 5xx bodies carry catalogue text only, the cause goes to the log
 * (at the level src/core/failure-log.ts gives it: a stack only for real faults).
 */
export function createHttpErrorHandler(options: HttpErrorHandlerOptions) {
  return function httpErrorHandler(
    error: FastifyError,
    request: FastifyRequest,
    reply: FastifyReply,
  ) {
    const appError = error instanceof AppError ? error : fromFastify(error);
    if (reply.raw.destroyed) {
      // The client went away first (request-metrics.ts counted it as cancelled): its work was
      // cancelled, no fault of ours or the engine's, and nobody is left to read an answer.
      request.log.info({ code: appError.code }, "client closed the connection before the answer");
      return reply.code(CLIENT_CLOSED_REQUEST).send(errorBody(appError));
    }
    // Shedding and deadlines are outcomes, not faults: info or warn, one line, no stack. A
    // deadline is the caller's by the rule gRPC applies too (deadlineIsCallers): a header
    // asking for as long as the server allows, or longer, leaves the server's deadline to pass.
    const callerDeadline = deadlineIsCallers(
      requestedTimeoutMs(request.headers),
      options.requestTimeoutMs,
    );
    logFailure(request.log, appError, "request failed", {}, { callerDeadline });
    if (appError.retryAfterSeconds !== undefined) {
      reply.header("retry-after", String(appError.retryAfterSeconds));
    }
    return reply.code(appError.httpStatus).send(errorBody(appError));
  };
}

/**
 * The handler for errors raised before any route runs (Fastify's `frameworkErrors`): no
 * request deadline has started, so none can be the caller's.
 */
export const httpErrorHandler = createHttpErrorHandler({ requestTimeoutMs: 0 });

/** Unknown routes get the same error shape as everything else. */
export function httpNotFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  const error = new AppError(
    "NOT_FOUND",
    `no route ${request.method} ${request.url.split("?")[0]}`,
  );
  return reply.code(404).send(errorBody(error));
}
