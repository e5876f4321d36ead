import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { AppError, type ErrorCode, errorBody } from "../core/errors.ts";
import { logFailure } from "../core/failure-log.ts";
import { CLIENT_CLOSED_REQUEST } from "../metrics/transport-metrics.ts";
import { TIMEOUT_HEADER } from "./request-signal.ts";

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

/**
 * The one HTTP error handler: every error leaves as `{ error: { code, message, details? } }`
 * with the catalogue status; 5xx bodies carry catalogue text only, the cause goes to the log
 * (at the level src/core/failure-log.ts gives it: a stack only for real faults).
 */
export function httpErrorHandler(
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
  // Shedding and deadlines are outcomes, not faults: info or warn, one line, no stack.
  logFailure(
    request.log,
    appError,
    "request failed",
    {},
    {
      callerDeadline: request.headers[TIMEOUT_HEADER] !== undefined,
    },
  );
  if (appError.retryAfterSeconds !== undefined) {
    reply.header("retry-after", String(appError.retryAfterSeconds));
  }
  return reply.code(appError.httpStatus).send(errorBody(appError));
}

/** Unknown routes get the same error shape as everything else. */
export function httpNotFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  const error = new AppError(
    "NOT_FOUND",
    `no route ${request.method} ${request.url.split("?")[0]}`,
  );
  return reply.code(404).send(errorBody(error));
}
