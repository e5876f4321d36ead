import {
  Counter,
  type CounterConfiguration,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  type HistogramConfiguration,
  Registry,
} from "prom-client";
import { createTrainerMetrics } from "./trainer-metrics.ts";

/**
 * Every Prometheus metric Jurist exports, defined in one place. `createMetrics()` returns a
 * fresh registry per call (no prom-client global registry), so tests and several gateways in
 * one process never share counters.
 *
 * Instruments are exposed through narrow interfaces whose label values are typed unions:
 * a misspelt outcome is a compile error, not a new time series.
 */

/** How an engine call ended. */
export type EngineOutcome = "ok" | "error" | "timeout" | "cancelled";
/** Why an engine call was retried. */
export type RetryReason = "connect" | "status_5xx" | "timeout";
/** Which of a hedged pair answered first. */
export type HedgeWinner = "primary" | "hedge";
/** Why a request was refused before reaching an engine. */
export type ShedReason = "replica_capacity" | "event_loop" | "heap" | "draining";

type Labels = Record<string, string>;

/** A counter whose label values are checked at compile time, so its series stay bounded. */
export interface LabelledCounter<L extends Labels> {
  inc(labels: L, value?: number): void;
}

/** A histogram whose label values are checked at compile time. */
export interface LabelledHistogram<L extends Labels> {
  observe(labels: L, value: number): void;
}

function counter<L extends Labels>(
  config: CounterConfiguration<keyof L & string>,
): LabelledCounter<L> {
  return new Counter(config);
}

function histogram<L extends Labels>(
  config: HistogramConfiguration<keyof L & string>,
): LabelledHistogram<L> {
  return new Histogram(config);
}

/** One replica as the fleet gauges show it; read on every scrape. */
export interface FleetGaugeSnapshot {
  /** Base URL of the replica, used as the `replica` label. */
  url: string;
  healthy: boolean;
  /** Taken out of rotation by outlier ejection. */
  ejected: boolean;
  /** Gateway requests currently open against the replica. */
  inFlight: number;
  /** The engine's own running requests (vLLM `num_requests_running`). */
  running: number;
  /** The engine's own queued requests (vLLM `num_requests_waiting`). */
  waiting: number;
}

/** The parts of a combined verdict the verdict metrics read (a core `CombinedVerdict` fits). */
export interface VerdictSummary {
  outcome: "ok" | "partial" | "abstain";
  winner: "A" | "B" | "tie" | null;
  /** Null unless both orders were read. */
  consistent: boolean | null;
  /** Probability that A is better, 0–1; null when no order could be read. */
  probabilityA: number | null;
}

/** Seconds; 1 ms to 60 s, the span of a request between a cache hit and the deadline. */
const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];
/** Seconds; admission waits are short or the request is shed. */
const ADMISSION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Items in flight on one stream; the bound (JURIST_GRPC_STREAM_CONCURRENCY) is at most 256. */
const STREAM_CONCURRENCY_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];
/** |probability_a − 0.5| in steps of 0.05, written out to avoid float drift in `le` labels. */
const MARGIN_BUCKETS = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5];

/**
 * Creates a registry with Node's default process metrics (unprefixed, as dashboards expect)
 * and every `jurist_*` metric. Call once per process (the runtime does): the default metrics
 * add a GC observer per call that is never removed.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const http = {
    /** Finished HTTP requests by matched route pattern (or `unmatched`), method and status. */
    requests: counter<{ route: string; method: string; status: string }>({
      name: "jurist_http_requests_total",
      help: "HTTP requests answered, by route pattern, method and status code",
      labelNames: ["route", "method", "status"],
      registers,
    }),
    /** Seconds from request received to response sent. */
    duration: histogram<{ route: string; method: string }>({
      name: "jurist_http_request_duration_seconds",
      help: "HTTP request duration in seconds, by route pattern and method",
      labelNames: ["route", "method"],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
  };

  const engine = {
    /** Engine calls by replica URL and how they ended. */
    requests: counter<{ replica: string; outcome: EngineOutcome }>({
      name: "jurist_engine_requests_total",
      help: "Engine calls, by replica and outcome",
      labelNames: ["replica", "outcome"],
      registers,
    }),
    /** Seconds one engine call took, retries excluded. */
    duration: histogram<{ replica: string }>({
      name: "jurist_engine_request_duration_seconds",
      help: "Engine call duration in seconds, by replica",
      labelNames: ["replica"],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    /** Retries, by what triggered them. */
    retries: counter<{ reason: RetryReason }>({
      name: "jurist_engine_retries_total",
      help: "Engine calls retried, by reason",
      labelNames: ["reason"],
      registers,
    }),
    /** Retries refused because the retry budget was spent. */
    retryBudgetExhausted: new Counter({
      name: "jurist_engine_retry_budget_exhausted_total",
      help: "Retries not attempted because the retry budget was exhausted",
      registers,
    }),
    /** Hedged calls, by which copy answered first. */
    hedgedRequests: counter<{ winner: HedgeWinner }>({
      name: "jurist_engine_hedged_requests_total",
      help: "Hedged engine calls, by which request won",
      labelNames: ["winner"],
      registers,
    }),
  };

  const fleet = {
    /** Times a replica was ejected from rotation. */
    ejections: counter<{ replica: string }>({
      name: "jurist_replica_ejections_total",
      help: "Replica ejections by outlier detection, by replica",
      labelNames: ["replica"],
      registers,
    }),
  };

  const admission = {
    /** Requests refused with 503, by reason. */
    shed: counter<{ reason: ShedReason }>({
      name: "jurist_shed_requests_total",
      help: "Requests shed before reaching an engine, by reason",
      labelNames: ["reason"],
      registers,
    }),
    /** Seconds a request waited for a replica slot before it was admitted. */
    wait: new Histogram({
      name: "jurist_admission_wait_seconds",
      help: "Seconds a request waited for admission",
      buckets: ADMISSION_BUCKETS,
      registers,
    }),
  };

  const verdicts = createVerdictMetrics(registers);

  const cache = {
    /** Verdict cache lookups: hit, miss, error (store unreachable → judged) or bypass. */
    requests: counter<{ result: "hit" | "miss" | "error" | "bypass" }>({
      name: "jurist_cache_requests_total",
      help: "Verdict cache lookups, by result",
      labelNames: ["result"],
      registers,
    }),
  };

  const collection = createCollectionMetrics(registers);

  const grpc = {
    /** Finished RPCs by full method path and gRPC status name (`OK`, `INVALID_ARGUMENT`, …). */
    requests: counter<{ method: string; code: string }>({
      name: "jurist_grpc_requests_total",
      help: "gRPC calls finished, by method and status code",
      labelNames: ["method", "code"],
      registers,
    }),
    /** Seconds from call received to status sent (a stream's whole life). */
    duration: histogram<{ method: string }>({
      name: "jurist_grpc_request_duration_seconds",
      help: "gRPC call duration in seconds, by method",
      labelNames: ["method"],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    /** Items being judged now over every open PairwiseStream. */
    streamInFlight: new Gauge({
      name: "jurist_grpc_stream_in_flight",
      help: "PairwiseStream items being judged now, over all streams",
      registers,
    }),
    /**
     * A stream's own in-flight count each time it starts an item (the item included): its
     * highest bucket shows the per-stream bound held.
     */
    streamConcurrency: new Histogram({
      name: "jurist_grpc_stream_item_concurrency",
      help: "Items in flight on their stream when an item starts, itself included",
      buckets: STREAM_CONCURRENCY_BUCKETS,
      registers,
    }),
  };

  return {
    /** The registry `/metrics` serialises; `registry.contentType` is its media type. */
    registry,
    http,
    engine,
    fleet,
    admission,
    verdicts,
    cache,
    collection,
    grpc,
    /** Live verdicts judged again by the staged candidate, by how each ended. */
    shadow: counter<{ event: "agree" | "disagree" | "error" | "dropped" }>({
      name: "jurist_shadow_requests_total",
      help: "Shadow verdicts of the staged candidate on live traffic, by event (agree, disagree with the champion, error, dropped at the in-flight bound)",
      labelNames: ["event"],
      registers,
    }),
    /** The self-improvement trainer (the worker process, or the embedded one in `serve`). */
    trainer: createTrainerMetrics(registers),
    /**
     * Makes the replica gauges read `source` on every scrape. Gauges are reset first, so a
     * replica that left the fleet disappears from the output. Call once; a later call replaces
     * the source.
     */
    observeFleet: createFleetGauges(registers),
  };
}

/** Every metric Jurist exports; see `createMetrics`. */
export type Metrics = ReturnType<typeof createMetrics>;

function createVerdictMetrics(registers: Registry[]) {
  const total = new Counter({
    name: "jurist_verdicts_total",
    help: "Pairwise verdicts, by outcome and winner",
    labelNames: ["outcome", "winner"],
    registers,
  });
  const consistent = new Counter({
    name: "jurist_verdict_consistent_total",
    help: "Verdicts with both orders read, by whether the orders agreed",
    labelNames: ["consistent"],
    registers,
  });
  const margin = new Histogram({
    name: "jurist_verdict_margin",
    help: "Distance of probability_a from 0.5 (0 = coin flip, 0.5 = certain)",
    buckets: MARGIN_BUCKETS,
    registers,
  });
  return {
    /** Counts one combined verdict; consistency and margin only when they are known. */
    record(verdict: VerdictSummary): void {
      total.inc({ outcome: verdict.outcome, winner: verdict.winner ?? "none" });
      if (verdict.consistent !== null) consistent.inc({ consistent: String(verdict.consistent) });
      if (verdict.probabilityA !== null) margin.observe(Math.abs(verdict.probabilityA - 0.5));
    },
  };
}

function createFleetGauges(registers: Registry[]) {
  let source: () => readonly FleetGaugeSnapshot[] = () => [];
  // All gauges collect in one synchronous pass per scrape; sharing one read keeps the fleet
  // snapshot consistent across them and copies it once, not five times.
  let current: readonly FleetGaugeSnapshot[] | undefined;
  const read = (): readonly FleetGaugeSnapshot[] => {
    if (!current) {
      current = source();
      queueMicrotask(() => {
        current = undefined;
      });
    }
    return current;
  };
  const perReplica = (name: string, help: string, value: (replica: FleetGaugeSnapshot) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["replica"],
      registers,
      collect() {
        this.reset();
        for (const replica of read()) this.set({ replica: replica.url }, value(replica));
      },
    });

  perReplica("jurist_replica_healthy", "1 if the replica's last health poll passed", (r) =>
    r.healthy ? 1 : 0,
  );
  perReplica("jurist_replica_ejected", "1 if the replica is ejected from rotation", (r) =>
    r.ejected ? 1 : 0,
  );
  perReplica(
    "jurist_replica_in_flight",
    "Gateway requests open against the replica",
    (r) => r.inFlight,
  );
  new Gauge({
    name: "jurist_replica_engine_requests",
    help: "Requests inside the replica's engine as last polled, by state",
    labelNames: ["replica", "state"],
    registers,
    collect() {
      this.reset();
      for (const replica of read()) {
        this.set({ replica: replica.url, state: "running" }, replica.running);
        this.set({ replica: replica.url, state: "waiting" }, replica.waiting);
      }
    },
  });
  new Gauge({
    name: "jurist_replicas",
    help: "Replicas currently in the fleet",
    registers,
    collect() {
      this.set(read().length);
    },
  });

  return (next: () => readonly FleetGaugeSnapshot[]): void => {
    source = next;
  };
}

function createCollectionMetrics(registers: Registry[]) {
  const events = new Counter({
    name: "jurist_collection_prompts_total",
    help: "Prompts offered to collection, by what became of them",
    labelNames: ["event", "reason"],
    registers,
  });
  let buffered: () => number = () => 0;
  let logLength: () => Promise<number> = async () => 0;
  new Gauge({
    name: "jurist_collection_buffered",
    help: "Sampled prompts waiting to be written to the prompt log",
    registers,
    collect() {
      this.set(buffered());
    },
  });
  new Gauge({
    name: "jurist_prompt_log_length",
    help: "Records in the prompt log (the trainer's stream)",
    registers,
    async collect() {
      // An unreachable store must not fail the scrape: the gauge just keeps its last value.
      await logLength().then(
        (length) => this.set(length),
        () => {},
      );
    },
  });
  return {
    /** Counts `count` prompts that reached `event` (sampled, skipped, appended, …). */
    count(event: string, reason: string, count = 1): void {
      events.inc({ event, reason }, count);
    },
    /** Makes the gauges read the collector's buffer and the log's length on every scrape. */
    observe(sources: { buffered: () => number; logLength: () => Promise<number> }): void {
      buffered = sources.buffered;
      logLength = sources.logLength;
    },
  };
}
