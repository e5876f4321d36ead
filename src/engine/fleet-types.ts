import type { PriorityClass } from "../core/types.ts";
import type { StructuredOutputField } from "./completion-wire.ts";
import type { EngineClient, ServedModel } from "./engine-client.ts";
import type { RetryReason } from "./engine-errors.ts";
import type { EjectionPolicy, EjectionState } from "./outlier-ejection.ts";
import type { RouteCandidate } from "./replica-routing.ts";
import type { RetryBudgetOptions } from "./retry-budget.ts";
import type { StructuredOutputSetting } from "./vllm-version.ts";

/** Tuning of the fleet; every field comes from config. */
export interface FleetSettings {
  /** Pinned champion checkpoint; undefined → the first base model a healthy replica serves. */
  champion?: string | undefined;
  /** Connections per replica for completions. */
  connectionsPerReplica: number;
  /** Connections per replica for health and metrics polls, apart from the completions'. */
  probeConnections: number;
  /** Idle keep-alive of the connections to each replica, ms (below the replica's own). */
  keepAliveMs: number;
  /** `auto`: the constrained-choice field each replica's version has; else always this one. */
  structuredOutputField: StructuredOutputSetting;
  /** Bearer token for every replica call; undefined sends none. */
  apiKey?: string | undefined;
  /** How often health, models and queue depth are polled, ms. */
  healthIntervalMs: number;
  /** Engine calls this gateway keeps in flight per replica; a verdict's second order rides along. */
  maxInFlightPerReplica: number;
  /** Longest one call to one replica may take before it is retried elsewhere, ms. */
  attemptTimeoutMs: number;
  /** Longest an interactive call waits for a free replica slot before 503 OVERLOADED, ms. */
  admissionWaitMs: number;
  /** Interactive calls allowed to wait for a slot at once; more are shed at once. */
  admissionMaxWaiters: number;
  priority: PrioritySettings;
  /**
   * Send vLLM's per-request `priority` by work class (src/core/vllm-priority.ts). Only for
   * replicas started with `--scheduling-policy priority`: older releases refuse it otherwise.
   */
  vllmPriority: boolean;
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

/** How replica slots are shared between the `interactive` and `batch` classes. */
export interface PrioritySettings {
  /**
   * False: admission ignores the class (one limit, one queue in arrival order); each class
   * still waits as long as its own setting allows.
   */
  enabled: boolean;
  /** Share of each replica's slots batch calls may not hold while interactive traffic is about, 0–1. */
  interactiveReserve: number;
  /** The reserve is lent to batch once no interactive call has arrived for this long, ms. */
  idleMs: number;
  /** Longest a batch call waits for a free replica slot before 503 OVERLOADED, ms. */
  batchAdmissionWaitMs: number;
  /** Batch calls allowed to wait for a slot at once; more are shed at once. */
  batchAdmissionMaxWaiters: number;
}

/** Where the fleet reports what it does (metrics); every method is optional to implement. */
export interface FleetObserver {
  call(replica: string, outcome: "ok" | "error" | "timeout" | "cancelled", seconds: number): void;
  retry(reason: RetryReason): void;
  retryBudgetExhausted(): void;
  hedge(winner: "primary" | "hedge"): void;
  ejected(replica: string): void;
  /** A call was refused at replica capacity (reported once per session). */
  shed(reason: "replica_capacity", priority: PriorityClass): void;
  /** A call waited `seconds` for a slot and got one. */
  admissionWait(seconds: number, priority: PriorityClass): void;
  /** A constrained call came back with an answer outside its choice list. */
  unconstrained?(replica: string): void;
  /** A call's prompt tokens as the replica reported them: from its prefix cache, computed. */
  promptTokens?(replica: string, cached: number, computed: number): void;
  /** A request was resent on a fresh connection after the replica closed a kept-alive one. */
  staleConnection?(replica: string): void;
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
  /** Batch-class calls among `inFlight`. */
  batchInFlight: number;
  servedModels: ServedModel[];
  running: number;
  /** This gateway's `inFlight` when the last poll read `running` and `waiting` (routing's estimate). */
  inFlightAtPoll: number;
  /** When the replica was last polled (epoch ms), 0 before the first poll. */
  checkedAt: number;
  lastError: string | null;
  /** Left the fleet (discovery dropped it): no new traffic, closed once idle. */
  removed: boolean;
  /**
   * `GET /version` as last read (on joining, each time it came back, and again while healthy:
   * see replica-poller.ts); null while it could not be read.
   */
  version: string | null;
  /** When `version` was last set from a read (epoch ms), 0 before the first. */
  versionReadAt: number;
  /** The field this replica's constrained calls carry (from the setting and `version`). */
  choiceField: StructuredOutputField;
  /** Constrained answers outside the choice list since the version was last read. */
  unconstrained: UnconstrainedAnswers | null;
}

/** A replica that ignored the constrained-choice field: what it answered, and how often. */
export interface UnconstrainedAnswers {
  count: number;
  /** The latest such answer, cut to 40 characters. */
  lastAnswer: string;
  /** When it came (epoch ms). */
  lastAt: number;
  /** The field the calls carried. */
  field: StructuredOutputField;
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
  version: string | null;
  choiceField: StructuredOutputField;
  unconstrained: UnconstrainedAnswers | null;
}
