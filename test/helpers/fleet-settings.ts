import type { FleetSettings, PrioritySettings } from "../../src/engine/fleet-types.ts";
import type { EjectionPolicy } from "../../src/engine/outlier-ejection.ts";

/** What a test changes; the nested policies may be given in part. */
export type FleetSettingsOverrides = Partial<Omit<FleetSettings, "priority" | "ejection">> & {
  priority?: Partial<PrioritySettings>;
  ejection?: Partial<EjectionPolicy>;
};

/**
 * Fleet settings for tests against a few local replicas: generous waits and budgets, no
 * hedging, priority off, polling rare enough (60 s) that only `start()` and `pollNow()` poll.
 * A test overrides what it is about and leaves the rest.
 */
export function testFleetSettings(overrides: FleetSettingsOverrides = {}): FleetSettings {
  const { priority, ejection, ...rest } = overrides;
  return {
    connectionsPerReplica: 4,
    probeConnections: 2,
    keepAliveMs: 4_000,
    structuredOutputField: "auto",
    healthIntervalMs: 60_000,
    maxInFlightPerReplica: 8,
    attemptTimeoutMs: 5_000,
    admissionWaitMs: 1_000,
    admissionMaxWaiters: 8,
    retryBudget: { ratio: 1, windowMs: 10_000, minRetriesPerWindow: 10 },
    hedge: { percentile: 0, minSamples: 1, minDelayMs: 10 },
    vllmPriority: false,
    ...rest,
    priority: {
      enabled: false,
      interactiveReserve: 0,
      idleMs: 1_000,
      batchAdmissionWaitMs: 1_000,
      batchAdmissionMaxWaiters: 8,
      ...priority,
    },
    ejection: { consecutiveFailures: 3, baseMs: 1_000, maxMs: 1_000, ...ejection },
  };
}
