import type { PriorityClass } from "../core/types.ts";

/**
 * The priority-class admission rule, pure: whether a replica has room for a call of a class.
 * Batch calls hold at most their share of a replica's slots while interactive traffic is
 * about, so a saturating reward batch always leaves the reserve free for interactive verdicts;
 * when no interactive traffic is about, the reserve is lent to batch, which then fills every
 * slot. Interactive calls may use every slot and never wait for lent ones.
 */

/** How one call is admitted when priority classes are on. */
export interface ClassAdmission {
  priority: PriorityClass;
  /** Share of each replica's slots batch calls may not hold while interactive traffic is about, 0–1. */
  reserve: number;
  /** True when no interactive traffic is about: batch may hold the reserve too. */
  lending: boolean;
}

/** The slot counts of one replica that admission reads. */
export interface SlotCounts {
  /** Calls this gateway has in flight on the replica, of every class. */
  inFlight: number;
  /** This gateway's concurrency limit for the replica. */
  maxInFlight: number;
  /** Batch calls among `inFlight`; absent means none. */
  batchInFlight?: number;
}

/**
 * Slots one replica's batch calls may hold while interactive traffic is about:
 * ⌊limit × (1 − reserve)⌋, but at least one, so a replica with a tiny limit still takes batch
 * work (its interactive calls then wait for that one slot, ahead of other batch calls).
 */
export function batchSlots(maxInFlight: number, reserve: number): number {
  // The epsilon keeps e.g. 10 × (1 − 0.3) = 6.999… from losing a slot to float rounding.
  return Math.max(1, Math.floor(maxInFlight * (1 - reserve) + 1e-9));
}

/**
 * Whether `replica` has a free slot for a call admitted by `admission`; without one (priority
 * classes off) every call shares the one limit, as before classes existed.
 */
export function hasRoom(replica: SlotCounts, admission?: ClassAdmission): boolean {
  const { inFlight, maxInFlight } = replica;
  if (!admission) return inFlight < maxInFlight;
  const batch = replica.batchInFlight ?? 0;
  const share = batchSlots(maxInFlight, admission.reserve);
  if (admission.priority === "batch") {
    return inFlight < maxInFlight && (admission.lending || batch < share);
  }
  // Batch calls beyond their share sit in lent slots; an interactive call does not wait for
  // them, so the replica briefly runs up to limit + reserve calls while they finish.
  return inFlight - Math.max(0, batch - share) < maxInFlight;
}
