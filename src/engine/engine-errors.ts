import { AppError, type ErrorCode } from "../core/errors.ts";

/**
 * Why an engine call failed, for failover: `connect` (refused, reset, unreachable),
 * `status_5xx` and `timeout` (the attempt's own timer) may succeed on another replica;
 * `aborted` means the caller's signal fired; `rejected` (4xx, unreadable answers) would fail
 * anywhere.
 */
export type EngineFailureKind = "connect" | "status_5xx" | "timeout" | "aborted" | "rejected";

/** The failures worth trying on another replica. */
export type RetryReason = "connect" | "status_5xx" | "timeout";

/** An AppError from one engine call that says what kind of failure it was. */
export class EngineCallError extends AppError {
  readonly kind: EngineFailureKind;

  constructor(kind: EngineFailureKind, code: ErrorCode, message: string, cause?: unknown) {
    super(code, message, { cause });
    this.name = "EngineCallError";
    this.kind = kind;
  }
}

/** The retry reason for failures another replica might not have; null for the rest. */
export function retryReasonOf(error: unknown): RetryReason | null {
  if (!(error instanceof EngineCallError)) return null;
  const { kind } = error;
  return kind === "connect" || kind === "status_5xx" || kind === "timeout" ? kind : null;
}

/**
 * The message of a replica's error body: vLLM's `{"error": {"message"}}` (older releases
 * `{"message"}` at the top, `{"error": "Unauthorized"}` from its API-key middleware) or
 * FastAPI's `{"detail"}` for a route that does not exist; the raw text when it is none of them.
 */
export function engineErrorMessage(text: string): string {
  let body: { error?: { message?: unknown } | string; message?: unknown; detail?: unknown };
  try {
    body = JSON.parse(text);
  } catch {
    return text;
  }
  const candidates = [
    typeof body?.error === "object" ? body.error?.message : body?.error,
    body?.message,
    body?.detail,
  ];
  const found = candidates.find((value) => typeof value === "string");
  return typeof found === "string" ? found : text;
}
