import { monitorEventLoopDelay } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";
import { AppError } from "../core/errors.ts";
import type { ShedReason } from "../metrics/metrics.ts";

/** Why the process itself is too loaded to take judging work. */
export type PressureReason = Extract<ShedReason, "event_loop" | "heap">;

export interface LoadPressureOptions {
  /** Mean event-loop delay past which the process is under pressure, ms; 0 = not checked. */
  maxEventLoopDelayMs: number;
  /** Heap use past which the process is under pressure, bytes; 0 = 90% of V8's heap limit. */
  maxHeapBytes: number;
  /** How often the delay and the heap are sampled, ms (default 1,000). */
  sampleIntervalMs?: number;
}

export interface LoadPressure {
  /** Why the process is under pressure as of the last sample; null when it is not. */
  reason(): PressureReason | null;
  /** Takes a sample now (the timer does every interval; tests call it to skip the wait). */
  sample(): void;
  /** Stops sampling. */
  close(): void;
}

/** The event-loop histogram's resolution, ms: its own timer adds this much to every sample. */
const RESOLUTION_MS = 10;

/**
 * The one definition of "under pressure" both transports shed on (HTTP with 503, gRPC with
 * UNAVAILABLE, both `OVERLOADED`): the mean event-loop delay over the last interval past its
 * bound, or the heap in use past its bound. It reads them as @fastify/under-pressure did
 * (perf_hooks' delay histogram at 10 ms resolution, less that resolution; a histogram with no
 * sample at all counts as stalled), sampled on a timer so a check costs a field read.
 */
export function createLoadPressure(options: LoadPressureOptions): LoadPressure {
  const maxHeapBytes =
    options.maxHeapBytes || Math.floor(getHeapStatistics().heap_size_limit * 0.9);
  const checkDelay = options.maxEventLoopDelayMs > 0;
  const histogram = checkDelay ? monitorEventLoopDelay({ resolution: RESOLUTION_MS }) : null;
  histogram?.enable();
  let current: PressureReason | null = null;

  function sample(): void {
    let delayMs = 0;
    if (histogram) {
      delayMs = Math.max(0, histogram.mean / 1e6 - RESOLUTION_MS);
      if (Number.isNaN(delayMs)) delayMs = Number.POSITIVE_INFINITY;
      histogram.reset();
    }
    if (checkDelay && delayMs > options.maxEventLoopDelayMs) current = "event_loop";
    else if (getHeapStatistics().used_heap_size > maxHeapBytes) current = "heap";
    else current = null;
  }

  // The heap is read at once, so a process started over its bound sheds from its first call;
  // the delay needs an interval of samples first.
  if (getHeapStatistics().used_heap_size > maxHeapBytes) current = "heap";
  const timer = setInterval(sample, options.sampleIntervalMs ?? 1_000);
  timer.unref();
  return {
    reason: () => current,
    sample,
    close() {
      clearInterval(timer);
      histogram?.disable();
    },
  };
}

/** The refusal of work shed for `reason` (`OVERLOADED`, retry in a second). */
export function shedError(reason: ShedReason): AppError {
  const message =
    reason === "draining" ? "the server is shutting down" : `the server is overloaded (${reason})`;
  return new AppError("OVERLOADED", message, { retryAfterSeconds: 1 });
}
