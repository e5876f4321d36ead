import type { PriorityClass } from "../core/types.ts";
import type { ClassAdmission } from "./class-admission.ts";
import type { PrioritySettings } from "./fleet-types.ts";

/**
 * Fleet-wide traffic per priority class: calls in flight, and when the last interactive call
 * arrived. It decides whether the interactive reserve may be lent to batch calls: only after
 * `idleMs` with no interactive call arriving, in flight or waiting, so steady interactive
 * traffic keeps its reserve between requests.
 */
export function createClassLoad(
  settings: PrioritySettings,
  waiting: (priority: PriorityClass) => number,
) {
  const inFlight: Record<PriorityClass, number> = { interactive: 0, batch: 0 };
  let lastInteractiveAt = Number.NEGATIVE_INFINITY;

  function quiet(now: number): boolean {
    return (
      inFlight.interactive === 0 &&
      waiting("interactive") === 0 &&
      now - lastInteractiveAt >= settings.idleMs
    );
  }

  return {
    /** Calls of `priority` in flight on every replica (hedges included). */
    inFlight: (priority: PriorityClass): number => inFlight[priority],
    /** A call of `priority` asks for a slot. */
    arrived(priority: PriorityClass, now: number): void {
      if (priority === "interactive") lastInteractiveAt = now;
    },
    took(priority: PriorityClass): void {
      inFlight[priority] += 1;
    },
    released(priority: PriorityClass): void {
      inFlight[priority] -= 1;
    },
    /** How a call of `priority` is admitted now; undefined when priority classes are off. */
    admission(priority: PriorityClass, now: number): ClassAdmission | undefined {
      if (!settings.enabled) return undefined;
      const lending = priority === "batch" && quiet(now);
      return { priority, reserve: settings.interactiveReserve, lending };
    },
  };
}

export type ClassLoad = ReturnType<typeof createClassLoad>;
