import type { FastifyReply } from "fastify";
import { AppError } from "../core/errors.ts";
import { deadlineSignal } from "../core/signals.ts";

/**
 * The AbortSignal a route hands to the core: aborted when the deadline passes (reason: an
 * UPSTREAM_TIMEOUT AppError), when the client goes away, or when `shutdown` aborts. Every
 * listener and timer is released when the response closes.
 */
export function requestSignal(
  reply: FastifyReply,
  timeoutMs: number,
  shutdown?: AbortSignal,
): AbortSignal {
  const request = deadlineSignal(
    timeoutMs,
    () => new AppError("UPSTREAM_TIMEOUT", `no verdict within ${timeoutMs} ms`),
  ).followShutdown(shutdown);
  // The response's "close" fires when it is sent or when the connection drops first; the
  // request's own "close" fires once its body is read, so it says nothing about the client.
  const clientGone = () => {
    request.dispose();
    if (!reply.raw.writableFinished) request.abort(new Error("client closed the connection"));
  };
  // A client that left while the request waited (a paced parse, a rate-limit count in Redis)
  // closed the response already: its "close" will not fire again, so abort now.
  if (reply.raw.destroyed || reply.raw.closed) clientGone();
  else reply.raw.once("close", clientGone);
  return request.signal;
}

/** The header a caller shortens its deadline with, in ms. */
export const TIMEOUT_HEADER = "x-jurist-timeout-ms";

/**
 * The deadline for a request: the server's default, or shorter when the caller asks with
 * `x-jurist-timeout-ms`. A value that is not a positive integer is a 400; a longer one is
 * capped at the default (callers may shorten, never lengthen).
 */
export function callerTimeoutMs(headers: Record<string, unknown>, defaultMs: number): number {
  const raw = headers[TIMEOUT_HEADER];
  if (raw === undefined) return defaultMs;
  const value = requestedTimeoutMs(headers) ?? Number.NaN;
  if (!(value > 0)) {
    throw new AppError("INVALID_REQUEST", `${TIMEOUT_HEADER} must be a positive integer of ms`, {
      details: [{ path: `headers.${TIMEOUT_HEADER}`, reason: "not a positive integer" }],
    });
  }
  return Math.min(value, defaultMs);
}

/**
 * The deadline the caller asked for with `x-jurist-timeout-ms`, ms, before any cap; undefined
 * when it asked for none or for something that is not one (which `callerTimeoutMs` refuses).
 */
export function requestedTimeoutMs(headers: Record<string, unknown>): number | undefined {
  const raw = headers[TIMEOUT_HEADER];
  return typeof raw === "string" && /^\d{1,9}$/.test(raw) ? Number(raw) : undefined;
}
