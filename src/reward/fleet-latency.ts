import type { ReplicaSnapshot } from "../engine/fleet-types.ts";
import type { PairLatency } from "./pair-scheduler.ts";

/** The snapshot fields the estimate reads. */
export type LatencySnapshot = Pick<ReplicaSnapshot, "healthy" | "ejected" | "latencyMs">;

/**
 * A pair's latency from what the fleet already tracks, read-only: the mean of the smoothed
 * per-call latency of the replicas that take traffic. Both orders of a pair run at once on one
 * replica, so a pair takes about one call. The mean, not a high percentile: a request is turned
 * away up front only when even typical calls cannot fit; the deadline catches the rest.
 */
export function fleetPairLatency(snapshots: () => readonly LatencySnapshot[]): PairLatency {
  return {
    pairLatencyMs() {
      const observed = snapshots()
        .filter((replica) => replica.healthy && !replica.ejected && replica.latencyMs > 0)
        .map((replica) => replica.latencyMs);
      if (observed.length === 0) return null;
      return observed.reduce((sum, ms) => sum + ms, 0) / observed.length;
    },
  };
}
