import { Counter, collectDefaultMetrics, Gauge, Histogram } from "prom-client";
import { PRIORITY_CLASSES } from "../core/priority-class.ts";
import type { PriorityClass } from "../core/types.ts";
import { createAdmissionGauges } from "./admission-gauges.ts";
import { createChampionGauge } from "./champion-gauge.ts";
import { createCollectionMetrics } from "./collection-metrics.ts";
import { createFleetGauges } from "./fleet-gauges.ts";
import { createImageMetrics } from "./image-metrics.ts";
import { counter, histogram, zeroed } from "./labelled-metrics.ts";
import { createPeerMetrics } from "./peer-metrics.ts";
import { createPromotionMetrics } from "./promotion-metrics.ts";
import { createReadinessGauge } from "./readiness-gauge.ts";
import { createRedisMetrics } from "./redis-metrics.ts";
import { createTrainerMetrics } from "./trainer-metrics.ts";
import {
  CLIENT_CLOSED_REQUEST,
  createTransportMetrics,
  grpcOutcome,
  httpOutcome,
} from "./transport-metrics.ts";
import { createVerdictMetrics } from "./verdict-metrics.ts";
import { YieldingRegistry } from "./yielding-registry.ts";

export type { FleetGaugeSnapshot } from "./fleet-gauges.ts";
export type { LabelledCounter, LabelledHistogram } from "./labelled-metrics.ts";

import type { LabelledCounter } from "./labelled-metrics.ts";

export type { VerdictSummary } from "./verdict-metrics.ts";

/**
 * Every Prometheus metric Jurist exports, composed into one registry here; families with
 * logic of their own (verdicts, fleet and admission gauges, collection, trainer, requests,
 * champion) are defined beside this file and added here. `createMetrics()` returns a fresh
 * registry per call (no prom-client global registry), so tests and several gateways in one
 * process never share counters.
 *
 * Instruments are exposed through narrow interfaces whose label values are typed unions:
 * a misspelt outcome is a compile error, not a new time series. Series with a fixed label
 * set start at 0, so dashboards and alerts read 0 rather than "no data" before the first
 * event.
 */

/** How an engine call ended. */
export type EngineOutcome = "ok" | "error" | "timeout" | "cancelled";
/** Why an engine call was retried. */
export type RetryReason = "connect" | "status_5xx" | "timeout";
/** Which of a hedged pair answered first. */
export type HedgeWinner = "primary" | "hedge";
/** Why a request was refused before reaching an engine. */
export type ShedReason = "replica_capacity" | "event_loop" | "heap" | "draining" | "memory";
const SHED_REASONS: readonly ShedReason[] = [
  "replica_capacity",
  "event_loop",
  "heap",
  "draining",
  "memory",
];

/** Seconds; 1 ms to 60 s, the span of a request between a cache hit and the deadline. */
const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];
/** Seconds; admission waits are short or the request is shed. */
const ADMISSION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Items in flight on one stream; the bound (JURIST_GRPC_STREAM_CONCURRENCY) is at most 256. */
const STREAM_CONCURRENCY_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/**
 * Creates a registry with Node's default process metrics (unprefixed, as dashboards expect)
 * and every `jurist_*` metric. Call once per process (the runtime does): the default metrics
 * add a GC observer per call that is never removed.
 */
export function createMetrics() {
  const registry = new YieldingRegistry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const requests = createTransportMetrics(registers, LATENCY_BUCKETS);

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
    /** Counts one answered request here and in `jurist_requests_total{transport="http"}`. */
    finished(route: string, method: string, status: number, seconds: number): void {
      http.requests.inc({ route, method, status: String(status) });
      http.duration.observe({ route, method }, seconds);
      requests.record({ route, transport: "http", outcome: httpOutcome(status) }, seconds);
    },
    /**
     * Counts a request whose client closed the connection before the answer, as status 499
     * and outcome `cancelled`; no response was sent, so no duration is observed.
     */
    abandoned(route: string, method: string): void {
      http.requests.inc({ route, method, status: String(CLIENT_CLOSED_REQUEST) });
      requests.count({ route, transport: "http", outcome: "cancelled" });
    },
  };

  const engine = {
    /** Engine calls by replica id (r-…, see src/engine/replica-id.ts) and how they ended. */
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
    retries: zeroed(
      counter<{ reason: RetryReason }>({
        name: "jurist_engine_retries_total",
        help: "Engine calls retried, by reason",
        labelNames: ["reason"],
        registers,
      }),
      [{ reason: "connect" }, { reason: "status_5xx" }, { reason: "timeout" }],
    ),
    /** Retries refused because the retry budget was spent. */
    retryBudgetExhausted: new Counter({
      name: "jurist_engine_retry_budget_exhausted_total",
      help: "Retries not attempted because the retry budget was exhausted",
      registers,
    }),
    /** Constrained calls answered outside their choice list, by replica. */
    unconstrainedAnswers: counter<{ replica: string }>({
      name: "jurist_engine_unconstrained_answers_total",
      help: "Constrained engine calls answered outside their choice list (the replica ignored the choice field), by replica",
      labelNames: ["replica"],
      registers,
    }),
    /** Prompt tokens of engine calls, by replica and whether the prefix cache served them. */
    promptTokens: counter<{ replica: string; kind: "cached" | "computed" }>({
      name: "jurist_engine_prompt_tokens_total",
      help: "Prompt tokens of engine calls as replicas reported them, by replica and kind (cached: from the prefix cache; computed)",
      labelNames: ["replica", "kind"],
      registers,
    }),
    /** Requests resent on a fresh connection after a replica closed a kept-alive one. */
    staleConnectionRetries: counter<{ replica: string }>({
      name: "jurist_engine_stale_connection_retries_total",
      help: "Engine requests resent on a fresh connection because the replica closed the kept-alive one they went out on",
      labelNames: ["replica"],
      registers,
    }),
    /** Hedged calls, by which copy answered first. */
    hedgedRequests: zeroed(
      counter<{ winner: HedgeWinner }>({
        name: "jurist_engine_hedged_requests_total",
        help: "Hedged engine calls, by which request won",
        labelNames: ["winner"],
        registers,
      }),
      [{ winner: "primary" }, { winner: "hedge" }],
    ),
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
    shed: zeroed(
      counter<{ reason: ShedReason }>({
        name: "jurist_shed_requests_total",
        help: "Requests shed before reaching an engine, by reason",
        labelNames: ["reason"],
        registers,
      }),
      SHED_REASONS.map((reason) => ({ reason })),
    ),
    /** Requests refused at replica capacity, by priority class (`interactive`, `batch`). */
    shedByClass: zeroed(
      counter<{ class: PriorityClass }>({
        name: "jurist_admission_shed_total",
        help: "Requests shed at replica capacity, by priority class",
        labelNames: ["class"],
        registers,
      }),
      PRIORITY_CLASSES.map((priority) => ({ class: priority })),
    ),
    /** Seconds an engine call waited for a replica slot before it was admitted, by class. */
    wait: histogram<{ class: PriorityClass }>({
      name: "jurist_admission_wait_seconds",
      help: "Seconds an engine call waited for admission, by priority class",
      labelNames: ["class"],
      buckets: ADMISSION_BUCKETS,
      registers,
    }),
  };

  const verdicts = createVerdictMetrics(registers);

  const cache = {
    /** Verdict cache lookups: hit, miss, error (store unreachable → judged) or bypass. */
    requests: zeroed(
      counter<{ result: "hit" | "miss" | "error" | "bypass" }>({
        name: "jurist_cache_requests_total",
        help: "Verdict cache lookups, by result",
        labelNames: ["result"],
        registers,
      }),
      [{ result: "hit" }, { result: "miss" }, { result: "error" }, { result: "bypass" }],
    ),
  };

  const collection = createCollectionMetrics(registers);
  const images = createImageMetrics(registers);

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
    /**
     * Counts one finished call (`code` is the status name) here and in
     * `jurist_requests_total{transport="grpc"}`.
     */
    finished(method: string, code: string, seconds: number): void {
      grpc.requests.inc({ method, code });
      grpc.duration.observe({ method }, seconds);
      requests.record({ route: method, transport: "grpc", outcome: grpcOutcome(code) }, seconds);
    },
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

  // Per-replica counters with no event yet still show each replica at 0, so a panel or an
  // alert on them has a series from the start (filled on each scrape from the fleet).
  const zeroPerReplica: LabelledCounter<{ replica: string }>[] = [];
  const metrics = {
    /** The registry `/metrics` serialises; `registry.contentType` is its media type. */
    registry,
    http,
    engine,
    fleet,
    admission,
    verdicts,
    cache,
    collection,
    images,
    grpc,
    /** Live verdicts judged again by the staged candidate, by how each ended. */
    shadow: zeroed(
      counter<{ event: "agree" | "disagree" | "error" | "dropped" }>({
        name: "jurist_shadow_requests_total",
        help: "Shadow verdicts of the staged candidate on live traffic, by event (agree, disagree with the champion, error, dropped at the in-flight bound)",
        labelNames: ["event"],
        registers,
      }),
      [{ event: "agree" }, { event: "disagree" }, { event: "error" }, { event: "dropped" }],
    ),
    /**
     * Makes the replica gauges read `source` on every scrape. Gauges are reset first, so a
     * replica that left the fleet disappears from the output. Call once; a later call replaces
     * the source.
     */
    /** The self-improvement trainer (the worker process, or the embedded one in `serve`). */
    trainer: createTrainerMetrics(registers),
    /** Failed Redis commands by role and cause, each role's probe, uncounted rate limits. */
    redis: createRedisMetrics(registers),
    observeFleet: createFleetGauges(registry, zeroPerReplica),
    /** Makes `jurist_champion_info` read `source` (the champion served, or null) per scrape. */
    observeChampion: createChampionGauge(registers),
    /** Makes `jurist_ready{scope}` read `source` (each readiness scope: ready or not) per scrape. */
    observeReadiness: createReadinessGauge(registers),
    /** Adapter loads refused and replicas left without the champion (promotion by quorum). */
    promotion: createPromotionMetrics(registers),
    /**
     * Makes the per-class admission gauges read `source` on every scrape: engine calls in
     * flight and waiting for a slot, for each priority class. Call once.
     */
    observeAdmission: createAdmissionGauges(registers),
    /** The gateways counted sharing the replicas, the per-replica limit that leaves, failures. */
    peers: createPeerMetrics(registers),
  };
  zeroPerReplica.push(
    metrics.engine.unconstrainedAnswers,
    metrics.engine.staleConnectionRetries,
    metrics.promotion.loadFailures,
  );
  return metrics;
}

/** Every metric Jurist exports; see `createMetrics`. */
export type Metrics = ReturnType<typeof createMetrics>;
