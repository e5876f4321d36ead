import { setTimeout as sleep } from "node:timers/promises";
import { AppError } from "../../src/core/errors.ts";

/** Longest pause between tries of a call the fleet had no slot for, ms. */
const MAX_PAUSE_MS = 5_000;

/** True for the fleet's "every replica is busy" answer: a wait, not a failure of the call. */
export function isCapacityShed(error: unknown): boolean {
  return error instanceof AppError && error.code === "OVERLOADED";
}

/**
 * Runs `call` until the fleet admits it: a call shed because every replica was busy (the
 * batch class waited `JURIST_BATCH_ADMISSION_WAIT_MS`, or too many calls were already
 * waiting) is tried again after the pause the fleet asked for, for as long as it takes, so
 * a trainer that finds the fleet full (gateways' batch traffic on the same replicas, or a
 * replica gone since the limit was read) waits rather than skipping the prompt as failed.
 * Any other error, and an abort, end it.
 */
export async function untilAdmitted<T>(call: () => Promise<T>, signal: AbortSignal): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (signal.aborted || !isCapacityShed(error)) throw error;
      const pauseMs = Math.min(MAX_PAUSE_MS, ((error as AppError).retryAfterSeconds ?? 1) * 1000);
      await sleep(pauseMs, undefined, { signal });
    }
  }
}
