import type { FastifyReply } from "fastify";
import { AppError } from "../errors.ts";

/**
 * The AbortSignal a route hands to the core: aborted when the deadline passes (reason: an
 * UPSTREAM_TIMEOUT AppError), when the client goes away, or when `shutdown` aborts.
 */
export function requestSignal(
  reply: FastifyReply,
  timeoutMs: number,
  shutdown?: AbortSignal,
): AbortSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(new AppError("UPSTREAM_TIMEOUT", `no verdict within ${timeoutMs} ms`));
  }, timeoutMs);
  timer.unref();
  // The response's "close" fires when it is sent or when the connection drops first; the
  // request's own "close" fires once its body is read, so it says nothing about the client.
  reply.raw.once("close", () => {
    clearTimeout(timer);
    if (!reply.raw.writableFinished) controller.abort(new Error("client closed the connection"));
  });
  const signals = shutdown ? [controller.signal, shutdown] : [controller.signal];
  return signals.length === 1 ? controller.signal : AbortSignal.any(signals);
}
