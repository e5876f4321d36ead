import { subscribe } from "node:diagnostics_channel";
import { performance } from "node:perf_hooks";

/**
 * Tells a request that died on a kept-alive socket the server had already closed from any
 * other connection failure, using undici's documented diagnostics channels: `sendHeaders`
 * names the socket each request is written to, `request:headers` says its answer began,
 * `request:error` hands over the very error the caller's promise rejects with. Nothing here
 * outlives the request or error objects (weak maps only).
 *
 * The race it is for: the replica's server (uvicorn, keep-alive 5 s) closes an idle
 * connection at the moment the pool writes the next request on it. The request never reached
 * the application, so the replica is not at fault and one resend on a fresh connection is
 * safe. That race has a narrow shape, and only that shape counts as stale:
 * - the socket carried an earlier request (a first request on a connection is no race);
 * - no response headers came (once they have, the replica took the request);
 * - the reset came within {@link STALE_RESET_WINDOW_MS} of writing the request.
 *
 * A replica killed 40 s into a generation (OOM, preemption) resets the same kind of socket,
 * but it did take the request: resending it would run a second generation (or spend the
 * caller's deadline twice), so that reset is the replica's failure like any other.
 */

/**
 * How soon after the request was written a reset still counts as the keep-alive race, ms.
 * The server closed the socket before the request arrived, so its kernel answers the first
 * bytes with a RST (or the FIN is already on the way): the error reaches us one round trip
 * after the write, well under 10 ms inside a cluster and under 300 ms across regions. The
 * rest of the second is room for an event loop stalled by GC or load. A replica that accepted
 * the request and died within that second loses at most a second of prefill to the resend.
 */
export const STALE_RESET_WINDOW_MS = 1_000;

/** Requests written per socket, so the next one knows whether the socket was reused. */
const requestsWritten = new WeakMap<object, number>();
/** When each request that went out on a reused socket was written (performance.now()). */
const writtenOnReusedSocket = new WeakMap<object, number>();
/** Errors that are the keep-alive race, by identity. */
const staleResets = new WeakSet<object>();

let subscribed = false;

/** Starts watching undici's channels; idempotent. */
export function watchSocketReuse(): void {
  if (subscribed) return;
  subscribed = true;
  subscribe("undici:client:sendHeaders", (message) => {
    const { request, socket } = message as { request: object; socket: object };
    const before = requestsWritten.get(socket) ?? 0;
    requestsWritten.set(socket, before + 1);
    if (before > 0) writtenOnReusedSocket.set(request, performance.now());
  });
  // Answered: whatever fails later is not the keep-alive race.
  subscribe("undici:request:headers", (message) => {
    writtenOnReusedSocket.delete((message as { request: object }).request);
  });
  subscribe("undici:request:error", (message) => {
    const { request, error } = message as { request: object; error: unknown };
    const writtenAt = writtenOnReusedSocket.get(request);
    if (writtenAt === undefined) return;
    if (performance.now() - writtenAt > STALE_RESET_WINDOW_MS) return;
    if (typeof error === "object" && error !== null) staleResets.add(error);
  });
}

/** The codes of a connection the server closed or reset under a written request. */
const RESET_CODES = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET"]);

/**
 * True when `error` is the keep-alive race: a reset or close of a socket that had carried a
 * request before, before any answer and right after the request was written.
 */
export function isStaleSocketReset(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && RESET_CODES.has(code) && staleResets.has(error);
}
