/**
 * The one error catalogue (docs/api.md, errors). Every failure that reaches a caller is an
 * AppError with a stable code; transports map it with `httpStatus` / `grpcStatus`.
 */

/** gRPC status numbers, so this module needs no grpc-js import. */
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

export const ERROR_CATALOGUE = {
  INVALID_REQUEST: { http: 400, grpc: GRPC.INVALID_ARGUMENT },
  /**
   * The client took longer than JURIST_HEADERS_TIMEOUT_MS / JURIST_BODY_TIMEOUT_MS to send its
   * request; the connection closes. HTTP only (gRPC has no such phase), so its gRPC code is
   * what a deadline passing would get.
   */
  REQUEST_TIMEOUT: { http: 408, grpc: GRPC.DEADLINE_EXCEEDED },
  /** Request headers past Node's limit (`--max-http-header-size`, 16 KiB); HTTP only. */
  HEADERS_TOO_LARGE: { http: 431, grpc: GRPC.INVALID_ARGUMENT },
  UNAUTHENTICATED: { http: 401, grpc: GRPC.UNAUTHENTICATED },
  FORBIDDEN: { http: 403, grpc: GRPC.PERMISSION_DENIED },
  NOT_FOUND: { http: 404, grpc: GRPC.NOT_FOUND },
  /**
   * A body or image over the gateway's byte limits. INVALID_ARGUMENT, not RESOURCE_EXHAUSTED:
   * the same request can never succeed, and gRPC retry policies commonly retry
   * RESOURCE_EXHAUSTED (rightly for RATE_LIMITED, which does pass). grpc-js's own receive
   * limit (JURIST_GRPC_MAX_MESSAGE_BYTES) still answers RESOURCE_EXHAUSTED before any handler.
   */
  PAYLOAD_TOO_LARGE: { http: 413, grpc: GRPC.INVALID_ARGUMENT },
  /**
   * An `Expect` header other than `100-continue`, the one expectation the server meets. HTTP
   * only; INVALID_ARGUMENT as for the other client errors a retry would repeat.
   */
  EXPECTATION_FAILED: { http: 417, grpc: GRPC.INVALID_ARGUMENT },
  /**
   * An image whose header declares more pixels, or a longer edge, than the gateway decodes
   * (JURIST_IMAGE_MAX_INPUT_PIXELS, JURIST_IMAGE_MAX_INPUT_EDGE): refused before decoding.
   * INVALID_ARGUMENT for the reason PAYLOAD_TOO_LARGE is: a retry sends the same header.
   */
  IMAGE_TOO_LARGE: { http: 413, grpc: GRPC.INVALID_ARGUMENT },
  UNSUPPORTED_MEDIA: { http: 415, grpc: GRPC.INVALID_ARGUMENT },
  IMAGE_FETCH_FAILED: { http: 422, grpc: GRPC.FAILED_PRECONDITION },
  RATE_LIMITED: { http: 429, grpc: GRPC.RESOURCE_EXHAUSTED },
  CONFLICT: { http: 409, grpc: GRPC.ABORTED },
  UPSTREAM_ERROR: { http: 502, grpc: GRPC.UNAVAILABLE },
  /** Replicas could not be made to serve a checkpoint; nothing was switched. */
  PROMOTION_FAILED: { http: 502, grpc: GRPC.UNAVAILABLE },
  OVERLOADED: { http: 503, grpc: GRPC.UNAVAILABLE },
  NO_HEALTHY_REPLICA: { http: 503, grpc: GRPC.UNAVAILABLE },
  STORE_UNAVAILABLE: { http: 503, grpc: GRPC.UNAVAILABLE },
  UPSTREAM_TIMEOUT: { http: 504, grpc: GRPC.DEADLINE_EXCEEDED },
  /** Known before (or while) judging: the work cannot finish by the request's deadline. */
  DEADLINE_TOO_SHORT: { http: 504, grpc: GRPC.DEADLINE_EXCEEDED },
  INTERNAL: { http: 500, grpc: GRPC.INTERNAL },
  NOT_IMPLEMENTED: { http: 501, grpc: GRPC.UNIMPLEMENTED },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** One entry of `error.details`: which input was wrong and how. */
export interface ErrorDetail {
  path?: string;
  reason: string;
}

export interface AppErrorOptions {
  details?: ErrorDetail[];
  cause?: unknown;
  /** Seconds a client should wait before retrying; sent as `Retry-After`. */
  retryAfterSeconds?: number;
  /**
   * For a 5xx: the text callers get in place of the catalogue's, when the catalogue's would
   * mislead (a deadline that passed while an image was fetched is not the engine's fault).
   * Written by us, never carrying a cause.
   */
  publicMessage?: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[] | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly publicMessage: string | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.publicMessage = options.publicMessage;
  }

  get httpStatus(): number {
    return ERROR_CATALOGUE[this.code].http;
  }

  get grpcStatus(): number {
    return ERROR_CATALOGUE[this.code].grpc;
  }

  /** True for faults on our side (5xx): their messages never reach a caller. */
  get isServerFault(): boolean {
    return this.httpStatus >= 500;
  }
}

/** Wraps anything thrown into an AppError, keeping the original as `cause`. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new AppError("INTERNAL", "internal error", { cause: error });
}

const PUBLIC_SERVER_MESSAGES: Partial<Record<ErrorCode, string>> = {
  INTERNAL: "internal error",
  UPSTREAM_ERROR: "the judge engine failed to answer",
  UPSTREAM_TIMEOUT: "the judge engine did not answer in time",
};

/** The wire body of an error; 5xx bodies carry only catalogue text, never internals. */
export function errorBody(error: AppError): {
  error: { code: ErrorCode; message: string; details?: ErrorDetail[] };
} {
  const message = error.isServerFault
    ? (error.publicMessage ?? PUBLIC_SERVER_MESSAGES[error.code] ?? error.message)
    : error.message;
  const body: { code: ErrorCode; message: string; details?: ErrorDetail[] } = {
    code: error.code,
    message,
  };
  if (error.details && !error.isServerFault) body.details = error.details;
  return { error: body };
}
