/** Rows about the replica fleet, the verdict cache and prompt collection. */
import { quantile, type RowSpec, rate, share } from "./panel-spec.ts";

export const fleet: RowSpec = {
  title: "Fleet",
  panels: [
    {
      title: "Healthy replicas per process",
      description:
        "Replicas whose last health poll passed, as each gateway (and the trainer) sees them. Alert: JuristNoHealthyReplica.",
      unit: "short",
      queries: [
        { expr: "sum by (instance) (jurist_replica_healthy)", legend: "healthy {{instance}}" },
        { expr: "max by (instance) (jurist_replicas)", legend: "in fleet {{instance}}" },
      ],
    },
    {
      title: "Replica health and ejection",
      description:
        "1 = healthy / ejected, per replica (worst view over gateways). Replicas are named by id (r-…, never the URL: /metrics is open); the gateway log line `replica joined` maps an id to its URL.",
      type: "state-timeline",
      queries: [
        { expr: "min by (replica) (jurist_replica_healthy)", legend: "healthy {{replica}}" },
        { expr: "max by (replica) (jurist_replica_ejected)", legend: "ejected {{replica}}" },
      ],
    },
    {
      title: "In flight per replica",
      description: "Gateway requests open against each replica, summed over gateways.",
      unit: "short",
      queries: [{ expr: "sum by (replica) (jurist_replica_in_flight)", legend: "{{replica}}" }],
    },
    {
      title: "Engine queue per replica",
      description: "vLLM's own running and waiting requests, as last polled.",
      unit: "short",
      queries: [
        {
          expr: "max by (replica, state) (jurist_replica_engine_requests)",
          legend: "{{replica}} {{state}}",
        },
      ],
    },
    {
      title: "Engine call p99 by replica",
      description: "Seconds per engine call (failures included): a slow replica stands out here.",
      unit: "s",
      queries: [
        {
          expr: quantile(0.99, "replica", "jurist_engine_request_duration_seconds_bucket"),
          legend: "{{replica}}",
        },
      ],
    },
    {
      title: "Engine calls by replica and outcome",
      description: "ok, error, timeout, cancelled per second and replica.",
      unit: "reqps",
      queries: [
        {
          expr: `sum by (replica, outcome) (${rate("jurist_engine_requests_total")})`,
          legend: "{{replica}} {{outcome}}",
        },
      ],
    },
    {
      title: "Retries and hedges",
      description:
        "Engine calls retried by reason, retries refused by the budget, hedges by winner.",
      unit: "reqps",
      queries: [
        {
          expr: `sum by (reason) (${rate("jurist_engine_retries_total")})`,
          legend: "retry {{reason}}",
        },
        {
          expr: `sum(${rate("jurist_engine_retry_budget_exhausted_total")})`,
          legend: "retry budget exhausted",
        },
        {
          expr: `sum by (winner) (${rate("jurist_engine_hedged_requests_total")})`,
          legend: "hedge won by {{winner}}",
        },
      ],
    },
    {
      title: "Ejections in range by replica",
      description:
        "Outlier ejections over the dashboard's time range; 0 for replicas never ejected.",
      type: "bargauge",
      unit: "short",
      queries: [
        {
          expr: "sum by (replica) (increase(jurist_replica_ejections_total[$__range])) or sum by (replica) (0 * jurist_replica_healthy)",
          legend: "{{replica}}",
          instant: true,
        },
      ],
    },
    {
      title: "Prompt tokens: prefix cache vs computed",
      description:
        "Prompt tokens per second the replicas served from their prefix cache (cached) or computed, as they report them (vLLM needs --enable-prompt-tokens-details; without it everything shows as computed). Cached share well under 40% on image verdicts: the two orders are not sharing their image tokens.",
      unit: "short",
      queries: [
        {
          expr: `sum by (kind) (${rate("jurist_engine_prompt_tokens_total")})`,
          legend: "{{kind}}",
        },
      ],
    },
    {
      title: "Cached share of a verdict's prompt",
      description:
        "Per verdict (both orders): the median share of prompt tokens from the prefix cache, and the share of verdicts with none cached at all.",
      unit: "percentunit",
      queries: [
        {
          expr: quantile(0.5, "", "jurist_verdict_prompt_cached_ratio_bucket"),
          legend: "median cached share",
        },
        {
          expr: share(
            'jurist_verdict_prompt_cached_ratio_bucket{le="0"}',
            "jurist_verdict_prompt_cached_ratio_count",
          ),
          legend: "verdicts with nothing cached",
        },
      ],
    },
    {
      title: "Unconstrained answers and stale-connection resends",
      description:
        "Constrained calls answered outside the choice list (the replica ignores the choice field: see /readyz and JURIST_STRUCTURED_OUTPUT_FIELD), and requests resent on a fresh connection after a replica closed a kept-alive one (climbing: JURIST_ENGINE_KEEP_ALIVE_MS is above the replica's idle timeout).",
      unit: "reqps",
      queries: [
        {
          expr: `sum by (replica) (${rate("jurist_engine_unconstrained_answers_total")})`,
          legend: "unconstrained {{replica}}",
        },
        {
          expr: `sum by (replica) (${rate("jurist_engine_stale_connection_retries_total")})`,
          legend: "resent {{replica}}",
        },
      ],
    },
    {
      title: "Engine calls by priority class",
      description: "Calls holding a replica slot and calls waiting for one, interactive and batch.",
      unit: "short",
      queries: [
        { expr: "sum by (class) (jurist_admission_in_flight)", legend: "in flight {{class}}" },
        { expr: "sum by (class) (jurist_admission_waiting)", legend: "waiting {{class}}" },
      ],
    },
    {
      title: "Gateways counted and limit per replica",
      description:
        "Gateways each process counts sharing the replicas, and the calls it admits per replica (its part of --max-num-seqs; batch: outside the interactive reserve). Every gateway should count the same; failed counts keep the last one (docs/operations.md, Sharing a replica between gateways).",
      unit: "short",
      queries: [
        { expr: "max by (instance) (jurist_gateway_peers)", legend: "gateways {{instance}}" },
        {
          expr: "max by (instance, class) (jurist_replica_admission_limit)",
          legend: "limit {{class}} {{instance}}",
        },
        {
          expr: `sum by (instance) (${rate("jurist_gateway_peers_failures_total")})`,
          legend: "failed counts/s {{instance}}",
        },
      ],
    },
  ],
};

export const cache: RowSpec = {
  title: "Cache",
  panels: [
    {
      title: "Cache hit ratio",
      description: "Verdict cache hits over hits and misses (bypasses and store errors aside).",
      unit: "percentunit",
      width: 12,
      queries: [
        {
          expr: share(
            'jurist_cache_requests_total{result="hit"}',
            'jurist_cache_requests_total{result=~"hit|miss"}',
          ),
          legend: "hit ratio",
        },
      ],
    },
    {
      title: "Cache lookups by result",
      description:
        "hit, miss, error (store unreachable: judged afresh) and bypass (`cache: false`).",
      unit: "reqps",
      width: 12,
      queries: [
        {
          expr: `sum by (result) (${rate("jurist_cache_requests_total")})`,
          legend: "{{result}}",
        },
      ],
    },
  ],
};

export const collection: RowSpec = {
  title: "Collection",
  panels: [
    {
      title: "Collected prompts by event",
      description:
        "Sampled prompts and what became of them: appended to the log, deduplicated, dropped; image blobs stored; failed flushes.",
      unit: "reqps",
      queries: [
        {
          expr: `sum by (event) (${rate('jurist_collection_prompts_total{event!="skipped"}')})`,
          legend: "{{event}}",
        },
      ],
    },
    {
      title: "Dropped and skipped by reason",
      description:
        "Drops lose training material (buffer full during a store outage, invalid image, closed). Alert: JuristCollectionDropping.",
      unit: "reqps",
      queries: [
        {
          expr: `sum by (event, reason) (${rate('jurist_collection_prompts_total{event=~"dropped|skipped"}')})`,
          legend: "{{event}} {{reason}}",
        },
      ],
    },
    {
      title: "Buffer and prompt log",
      description:
        "Prompts waiting in gateway buffers; records in the prompt log (the trainer's stream).",
      unit: "short",
      queries: [
        { expr: "sum(jurist_collection_buffered)", legend: "buffered" },
        { expr: "max(jurist_prompt_log_length)", legend: "prompt log length" },
      ],
    },
  ],
};
