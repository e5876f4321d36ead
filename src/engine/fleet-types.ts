import type { StructuredOutputField } from "./completion-wire.ts";
import type { EngineClient, ServedModel } from "./engine-client.ts";
import type { RetryReason } from "./engine-errors.ts";
import type { EjectionPolicy, EjectionState } from "./outlier-ejection.ts";
import type { RouteCandidate } from "./replica-routing.ts";
import type { RetryBudgetOptions } from "./retry-budget.ts";

/** Tuning of the fleet; every field comes from config. */
export interface FleetSettings {
  /** Pinned champion checkpoint; undefined → the first base model a healthy replica serves. */
  champion?: string | undefined;
  connectionsPerReplica: number;
  structuredOutputField: StructuredOutputField;
  /** How often health, models and queue depth are polled, ms. */
  healthIntervalMs: number;
  /** Engine calls this gateway keeps in flight per replica; a verdict's second order rides along. */
  maxInFlightPerReplica: number;
  /** Longest one call to one replica may take before it is retried elsewhere, ms. */
  attemptTimeoutMs: number;
  /** Longest a request waits for a free replica slot before 503 OVERLOADED, ms. */
  admissionWaitMs: number;
  /** Requests allowed to wait for a slot at once; more are shed at once. */
  admissionMaxWaiters: number;
  retryBudget: RetryBudgetOptions;
  ejection: EjectionPolicy;
  hedge: {
    /** Latency percentile (e.g. 95) after which a second replica is asked too; 0 = off. */
    percentile: number;
    /** Calls observed before hedging starts. */
    minSamples: number;
    /** Never hedge sooner than this, ms. */
    minDelayMs: number;
  };
}

/** Where the fleet reports what it does (metrics); every method is optional to implement. */
export interface FleetObserver {
  call(replica: string, outcome: "ok" | "error" | "timeout" | "cancelled", seconds: number): void;
  retry(reason: RetryReason): void;
  retryBudgetExhausted(): void;
  hedge(winner: "primary" | "hedge"): void;
  ejected(replica: string): void;
  shed(reason: "replica_capacity"): void;
  admissionWait(seconds: number): void;
}

export const NO_OBSERVER: FleetObserver = {
  call() {},
  retry() {},
  retryBudgetExhausted() {},
  hedge() {},
  ejected() {},
  shed() {},
  admissionWait() {},
};

/** One replica as the fleet tracks it: routing fields, ejection state and its client. */
export interface Replica extends RouteCandidate, EjectionState {
  client: EngineClient;
  servedModels: ServedModel[];
  running: number;
  /** When the replica was last polled (epoch ms), 0 before the first poll. */
  checkedAt: number;
  lastError: string | null;
  /** Left the fleet (discovery dropped it): no new traffic, closed once idle. */
  removed: boolean;
}

/** The latest known state of one replica, as /readyz and metrics show it. */
export interface ReplicaSnapshot {
  url: string;
  healthy: boolean;
  ejected: boolean;
  models: ServedModel[];
  running: number;
  waiting: number;
  inFlight: number;
  maxInFlight: number;
  latencyMs: number;
  checkedAt: number;
  lastError: string | null;
}
