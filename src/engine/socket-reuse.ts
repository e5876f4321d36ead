import { subscribe } from "node:diagnostics_channel";

/**
 * Tells a request that died on a kept-alive socket the server had already closed from any
 * other connection failure, using undici's documented diagnostics channels: `sendHeaders`
 * names the socket each request is written to, `request:error` hands over the very error the
 * caller's promise rejects with. A request sent on a socket that carried one before is
 * "reused"; its error is remembered (weakly: nothing here outlives the error object).
 *
 * The race it is for: the replica's server (uvicorn, keep-alive 5 s) closes an idle
 * connection at the moment the pool writes the next request on it. The request never reached
 * the application, so the replica is not at fault and one resend on a fresh connection is
 * safe.
 */
const requestsWritten = new WeakMap<object, number>();
const sentOnReusedSocket = new WeakSet<object>();
const failedOnReusedSocket = new WeakSet<object>();

let subscribed = false;

/** Starts watching undici's channels; idempotent. */
export function watchSocketReuse(): void {
  if (subscribed) return;
  subscribed = true;
  subscribe("undici:client:sendHeaders", (message) => {
    const { request, socket } = message as { request: object; socket: object };
    const before = requestsWritten.get(socket) ?? 0;
    requestsWritten.set(socket, before + 1);
    if (before > 0) sentOnReusedSocket.add(request);
  });
  subscribe("undici:request:error", (message) => {
    const { request, error } = message as { request: object; error: unknown };
    if (sentOnReusedSocket.has(request) && typeof error === "object" && error !== null) {
      failedOnReusedSocket.add(error);
    }
  });
}

/** The codes of a connection the server closed or reset under a written request. */
const RESET_CODES = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET"]);

/**
 * True when `error` is a reset or close of a kept-alive socket that had carried a request
 * before this one: the keep-alive race, not a replica failure.
 */
export function isStaleSocketReset(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && RESET_CODES.has(code) && failedOnReusedSocket.has(error);
}
