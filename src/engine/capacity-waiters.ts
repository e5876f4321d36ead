import type { PriorityClass } from "../core/types.ts";

/** Bounds and order of the calls waiting for a replica slot. */
export interface WaiterLimits {
  /** Calls of each class allowed to wait at once; more are refused at once. */
  maxWaiters: Record<PriorityClass, number>;
  /**
   * True: every freed slot is offered to waiting interactive calls before waiting batch calls.
   * False: one queue in arrival order, whatever the class.
   */
  prioritised: boolean;
}

/** One call's wait for a slot. */
export interface WaitRequest {
  priority: PriorityClass;
  /** Longest wait, ms; 0 or less refuses at once. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /**
   * Tries to take a slot now; true when the wait is over (a slot, or no point waiting). Runs
   * inside whichever call released a slot, so it must not throw.
   */
  attempt: () => boolean;
  /**
   * Waiters whose attempts must come out alike share a key (same class, checkpoint and
   * excluded replicas, not riding along): once one fails in a pass, the rest of that key are
   * not tried, so a pass costs one routing per key, not per waiter. Null or absent: always tried.
   */
  key?: () => string | null;
}

interface Waiter {
  attempt: () => boolean;
  key: () => string | null;
  finish: (settled: boolean) => void;
}

const NO_KEY = () => null;

/**
 * Calls waiting for a replica slot, bounded in number and in time: when every eligible replica
 * is at its limit, a call waits for a release instead of failing at once, and never queues
 * without bound. On each release the waiters try again synchronously, interactive ones first
 * and each class in arrival order, so who gets a freed slot never depends on timer or
 * microtask order, and a waiter that cannot use it keeps its place and its timer.
 */
export function createCapacityWaiters(limits: WaiterLimits) {
  const interactive = new Set<Waiter>();
  const batch = limits.prioritised ? new Set<Waiter>() : interactive;
  const lanes = limits.prioritised ? [interactive, batch] : [interactive];
  const counts: Record<PriorityClass, number> = { interactive: 0, batch: 0 };

  return {
    /** Calls waiting now, of one class or of both. */
    size(priority?: PriorityClass): number {
      return priority ? counts[priority] : counts.interactive + counts.batch;
    },
    /**
     * Resolves true once an `attempt` (made on each `notify`) returns true; false after
     * `timeoutMs`, when the signal aborts, or at once when the class's waiters are full.
     */
    wait(request: WaitRequest): Promise<boolean> {
      const { priority, timeoutMs, signal } = request;
      if (counts[priority] >= limits.maxWaiters[priority] || timeoutMs <= 0 || signal?.aborted) {
        return Promise.resolve(false);
      }
      const lane = priority === "interactive" ? interactive : batch;
      counts[priority] += 1;
      return new Promise((resolve) => {
        const finish = (settled: boolean) => {
          if (!lane.delete(waiter)) return;
          counts[priority] -= 1;
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          resolve(settled);
        };
        const waiter: Waiter = { attempt: request.attempt, key: request.key ?? NO_KEY, finish };
        const onAbort = () => finish(false);
        const timer = setTimeout(() => finish(false), timeoutMs);
        signal?.addEventListener("abort", onAbort, { once: true });
        lane.add(waiter);
      });
    },
    /** A slot may have freed (or a replica joined): waiters try again, in priority order. */
    notify(): void {
      for (const lane of lanes) {
        const failed = new Set<string>();
        for (const waiter of lane) {
          const key = waiter.key();
          if (key !== null && failed.has(key)) continue;
          if (waiter.attempt()) waiter.finish(true);
          else if (key !== null) failed.add(key);
        }
      }
    },
  };
}

export type CapacityWaiters = ReturnType<typeof createCapacityWaiters>;
