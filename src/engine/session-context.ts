import type { CapacityWaiters } from "./capacity-waiters.ts";
import type { ClassLoad } from "./class-load.ts";
import type { FleetObserver, FleetSettings, Replica } from "./fleet-types.ts";
import type { createLatencyTracker } from "./latency-tracker.ts";
import type { RetryBudget } from "./retry-budget.ts";

/**
 * What sessions share with the fleet that created them: every session's admission, hedging
 * and retries draw on the same replicas, budget, latency history, waiters and class load.
 */
export interface SessionContext {
  replicas: () => readonly Replica[];
  settings: FleetSettings;
  budget: RetryBudget;
  latency: ReturnType<typeof createLatencyTracker>;
  waiters: CapacityWaiters;
  classes: ClassLoad;
  observer: FleetObserver;
  /** Whether the caller pinned the checkpoint (an unknown pin is a 404, not a 503). */
  pinned: boolean;
  /** Logs that `replica` answers outside the choice list (the fleet rate-limits it). */
  warnUnconstrained?: (replica: Replica) => void;
}
