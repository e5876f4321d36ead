import type { Deadline } from "@grpc/grpc-js";
import { AppError } from "../core/errors.ts";
import { deadlineSignal } from "../core/signals.ts";

/** The parts of a grpc-js server call the signal reads. */
export interface SignalledCall {
  getDeadline(): Deadline;
  once(event: "cancelled", listener: () => void): unknown;
  off(event: "cancelled", listener: () => void): unknown;
}

/** An AbortSignal for one call, and how to let go of it once the call has ended. */
export interface CallSignal {
  signal: AbortSignal;
  /** When the signal aborts for the deadline (epoch ms); undefined when the call has none. */
  deadlineAt: number | undefined;
  /** Clears the timer and listeners; call when the call has ended (the signal stays as is). */
  release(): void;
}

export interface CallSignalOptions {
  /** The server's own limit, ms: a later client deadline (or none) is cut to this; unset → none. */
  timeoutMs?: number;
  /** Aborted when in-flight work must stop (the runtime's shutdown signal). */
  shutdown?: AbortSignal;
}

/** Milliseconds from now to a grpc-js deadline; Infinity when the client set none. */
function msUntil(deadline: Deadline): number {
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : Number.POSITIVE_INFINITY;
}

/**
 * The signal the core gets for a call: aborted when the call's deadline (capped at
 * `timeoutMs`) passes — reason an UPSTREAM_TIMEOUT AppError, so engine calls end as a
 * timeout — when the client cancels or goes away, or when `shutdown` aborts. grpc-js also
 * answers DEADLINE_EXCEEDED by itself when the client's own deadline passes.
 */
export function callSignal(call: SignalledCall, options: CallSignalOptions): CallSignal {
  const limitMs = Math.min(msUntil(call.getDeadline()), options.timeoutMs ?? Infinity);
  // No deadline at all (Infinity) sets no timer.
  const linked = deadlineSignal(
    limitMs,
    () => new AppError("UPSTREAM_TIMEOUT", `no verdict within ${limitMs} ms`),
  ).followShutdown(options.shutdown);
  const onCancelled = () => {
    const passed = msUntil(call.getDeadline()) === 0;
    linked.abort(
      passed
        ? new AppError("UPSTREAM_TIMEOUT", "the call's deadline passed")
        : new Error("the client cancelled the call"),
    );
  };
  call.once("cancelled", onCancelled);
  return {
    signal: linked.signal,
    deadlineAt: Number.isFinite(limitMs) ? Date.now() + limitMs : undefined,
    release() {
      linked.dispose();
      call.off("cancelled", onCancelled);
    },
  };
}
