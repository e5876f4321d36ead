/**
 * What the Jurist dashboard shows: its rows and panels with their PromQL. The layout and the
 * Grafana JSON around them are `build-dashboard.ts`'s business. Queries aggregate over every
 * scraped process (gateways, the trainer worker), so they hold for one gateway or many.
 */

/** One query of a panel; `legend` is Grafana's legend format (`{{label}}`). */
export interface Query {
  expr: string;
  legend?: string;
  /** Evaluated once for the range's end (tables, bar gauges) rather than as a series. */
  instant?: boolean;
}

export interface PanelSpec {
  title: string;
  /** Shown on hover: what the panel answers and what a bad value means. */
  description: string;
  type?: "timeseries" | "stat" | "state-timeline" | "heatmap" | "table" | "bargauge";
  /** Grafana unit id: `reqps`, `s`, `percentunit`, `short`, `bytes`, … */
  unit?: string;
  /** Grid columns out of 24; 8 by default. */
  width?: number;
  queries: Query[];
}

export interface RowSpec {
  title: string;
  panels: PanelSpec[];
}

/** The judging API on both transports: HTTP `/v1/…` routes and gRPC `/jurist.v1.…` methods. */
const API = 'route=~"/v1/.+|/jurist[.].+"';
/** The same, less gRPC streams, whose duration is a whole stream's life rather than one answer. */
const ANSWERS = `${API}, route!~".+/PairwiseStream"`;
const FAILED = 'outcome=~"server_error|unavailable|timeout"';
const rate = (selector: string) => `rate(${selector}[$__rate_interval])`;
const quantile = (q: number, by: string, selector: string) =>
  `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ""}) (${rate(selector)}))`;
const share = (part: string, whole: string) => `sum(${rate(part)}) / sum(${rate(whole)})`;

const traffic: RowSpec = {
  title: "Traffic",
  panels: [
    {
      title: "Requests by transport and outcome",
      description: "Judging API requests per second over HTTP and gRPC, by how they ended.",
      unit: "reqps",
      queries: [
        {
          expr: `sum by (transport, outcome) (${rate(`jurist_requests_total{${API}}`)})`,
          legend: "{{transport}} {{outcome}}",
        },
      ],
    },
    {
      title: "Requests by route",
      description: "Requests per second by HTTP route pattern or gRPC method, probes included.",
      unit: "reqps",
      queries: [{ expr: `sum by (route) (${rate("jurist_requests_total")})`, legend: "{{route}}" }],
    },
    {
      title: "Error ratio",
      description:
        "Share of API requests that failed on our side: server errors, unavailable (shed, no healthy replica, store down) and timeouts. Alert: JuristHighErrorRatio.",
      unit: "percentunit",
      queries: [
        {
          expr: `(sum(${rate(`jurist_requests_total{${API}, ${FAILED}}`)}) or vector(0)) / sum(${rate(`jurist_requests_total{${API}}`)})`,
          legend: "error ratio",
        },
      ],
    },
    {
      title: "Shed requests by reason",
      description:
        "Requests refused with 503 before reaching an engine: replica capacity, event-loop delay, heap, draining.",
      unit: "reqps",
      queries: [
        {
          expr: `sum by (reason) (${rate("jurist_shed_requests_total")})`,
          legend: "{{reason}}",
        },
      ],
    },
    {
      title: "gRPC stream items in flight",
      description: "PairwiseStream items being judged now, over every open stream.",
      unit: "short",
      queries: [{ expr: "sum(jurist_grpc_stream_in_flight)", legend: "items" }],
    },
  ],
};

const latency: RowSpec = {
  title: "Latency",
  panels: [
    {
      title: "Answered requests: p50, p90, p99 by transport",
      description:
        "Seconds from request to answer for successful API requests (streams excluded). Alert: JuristHighP99Latency.",
      unit: "s",
      width: 12,
      queries: [0.5, 0.9, 0.99].map((q) => ({
        expr: quantile(
          q,
          "transport",
          `jurist_request_duration_seconds_bucket{${ANSWERS}, outcome="ok"}`,
        ),
        legend: `p${q * 100} {{transport}}`,
      })),
    },
    {
      title: "p99 by route and outcome",
      description: "Slow routes, and whether failures are fast (refused) or slow (timed out).",
      unit: "s",
      width: 12,
      queries: [
        {
          expr: quantile(
            0.99,
            "route, outcome",
            `jurist_request_duration_seconds_bucket{${ANSWERS}}`,
          ),
          legend: "{{route}} {{outcome}}",
        },
      ],
    },
    {
      title: "Event-loop lag p99",
      description:
        "Node's event-loop delay per process: above JURIST_MAX_EVENT_LOOP_DELAY_MS the gateway sheds.",
      unit: "s",
      queries: [
        { expr: "max by (instance) (nodejs_eventloop_lag_p99_seconds)", legend: "{{instance}}" },
      ],
    },
    {
      title: "CPU",
      description: "CPU seconds per second of each Jurist process.",
      unit: "percentunit",
      queries: [
        {
          expr: `sum by (instance) (${rate("process_cpu_seconds_total")})`,
          legend: "{{instance}}",
        },
      ],
    },
    {
      title: "Heap used",
      description: "V8 heap in use per process; the gateway sheds near its heap limit.",
      unit: "bytes",
      queries: [
        { expr: "sum by (instance) (nodejs_heap_size_used_bytes)", legend: "{{instance}}" },
      ],
    },
  ],
};

const quality: RowSpec = {
  title: "Judge quality (no labels needed)",
  panels: [
    {
      title: "Position consistency",
      description:
        "Share of verdicts with both orders read whose orders named the same response. A drop after a promotion means a more position-biased judge. Alert: JuristPositionConsistencyDrop.",
      unit: "percentunit",
      queries: [
        {
          expr: share(
            'jurist_verdict_consistent_total{consistent="true"}',
            "jurist_verdict_consistent_total",
          ),
          legend: "consistent",
        },
      ],
    },
    {
      title: "Tie, partial, abstain and unreadable rates",
      description:
        "Ties (the orders disagreed within the tie margin), partial (one order unreadable), abstain (none readable) among verdicts; invalid among single orders.",
      unit: "percentunit",
      queries: [
        {
          expr: share('jurist_verdicts_total{winner="tie"}', "jurist_verdicts_total"),
          legend: "tie",
        },
        {
          expr: share('jurist_verdicts_total{outcome="partial"}', "jurist_verdicts_total"),
          legend: "partial",
        },
        {
          expr: share('jurist_verdicts_total{outcome="abstain"}', "jurist_verdicts_total"),
          legend: "abstain",
        },
        {
          expr: share(
            'jurist_verdict_orders_total{outcome="invalid"}',
            "jurist_verdict_orders_total",
          ),
          legend: "invalid order",
        },
      ],
    },
    {
      title: "Verdicts by outcome and winner",
      description:
        "Verdicts per second: A, B, tie, partial, abstain. A lasting tilt to A or B on varied traffic hints at position bias.",
      unit: "reqps",
      queries: [
        {
          expr: `sum by (outcome, winner) (${rate("jurist_verdicts_total")})`,
          legend: "{{outcome}} {{winner}}",
        },
      ],
    },
    {
      title: "Probability margin",
      description:
        "|probability_a − 0.5| of verdicts: mass near 0 is a judge unsure of itself; a shift after a promotion is worth a look.",
      type: "heatmap",
      queries: [
        {
          expr: `sum by (le) (${rate("jurist_verdict_margin_bucket")})`,
          legend: "{{le}}",
        },
      ],
    },
    {
      title: "Median and p10 margin",
      description: "The margin's median and 10th percentile.",
      unit: "short",
      queries: [
        { expr: quantile(0.5, "", "jurist_verdict_margin_bucket"), legend: "median" },
        { expr: quantile(0.1, "", "jurist_verdict_margin_bucket"), legend: "p10" },
      ],
    },
    {
      title: "Shadow agreement with the champion",
      description:
        "While a candidate is staged, share of live verdicts it judged the same as the champion.",
      unit: "percentunit",
      queries: [
        {
          expr: share(
            'jurist_shadow_requests_total{event="agree"}',
            'jurist_shadow_requests_total{event=~"agree|disagree"}',
          ),
          legend: "agreement",
        },
      ],
    },
  ],
};

const fleet: RowSpec = {
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
      description: "1 = healthy / ejected, per replica (worst view over gateways).",
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
      title: "Engine calls by priority class",
      description: "Calls holding a replica slot and calls waiting for one, interactive and batch.",
      unit: "short",
      queries: [
        { expr: "sum by (class) (jurist_admission_in_flight)", legend: "in flight {{class}}" },
        { expr: "sum by (class) (jurist_admission_waiting)", legend: "waiting {{class}}" },
      ],
    },
  ],
};

const cache: RowSpec = {
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

const collection: RowSpec = {
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

const trainer: RowSpec = {
  title: "Trainer",
  panels: [
    {
      title: "Stage",
      description: "Which stage of an iteration the trainer runs.",
      type: "state-timeline",
      queries: [{ expr: "max by (stage) (jurist_trainer_stage)", legend: "{{stage}}" }],
    },
    {
      title: "Iteration and time since the last completed one",
      description: "The iteration running or last run; seconds since an iteration last completed.",
      type: "stat",
      queries: [
        { expr: "max(jurist_trainer_iteration)", legend: "iteration" },
        {
          expr: "time() - max(jurist_trainer_last_success_timestamp_seconds > 0)",
          legend: "seconds since last completed",
        },
      ],
    },
    {
      title: "Iterations by outcome (1 h)",
      description:
        "Completed and failed iterations in the last hour. Alert: JuristTrainerIterationFailed.",
      unit: "short",
      queries: [
        {
          expr: "sum by (outcome) (increase(jurist_trainer_iterations_total[1h]))",
          legend: "{{outcome}}",
        },
      ],
    },
    {
      title: "Stage records written",
      description: "Records the running iteration's current stage has written.",
      unit: "short",
      queries: [{ expr: "max by (stage) (jurist_trainer_stage_records)", legend: "{{stage}}" }],
    },
    {
      title: "Mean stage duration (1 d)",
      description: "Mean seconds per stage run over the last day.",
      unit: "s",
      queries: [
        {
          expr: "sum by (stage) (increase(jurist_trainer_stage_duration_seconds_sum[1d])) / sum by (stage) (increase(jurist_trainer_stage_duration_seconds_count[1d]))",
          legend: "{{stage}}",
        },
      ],
    },
    {
      title: "Backlog and dataset size",
      description: "Collected prompts the trainer has not taken yet; examples in the last dataset.",
      unit: "short",
      queries: [
        { expr: "max(jurist_trainer_backlog)", legend: "backlog" },
        { expr: "max(jurist_trainer_examples)", legend: "examples" },
      ],
    },
    {
      title: "Judge-filter retention by question type",
      description:
        "Share of synthesized pairs the judge kept in the last iteration. Near 0: the champion rejects its own pairs; near 1: the filter is not filtering.",
      unit: "percentunit",
      queries: [
        {
          expr: "max by (question_type) (jurist_trainer_retention_ratio)",
          legend: "{{question_type}}",
        },
      ],
    },
    {
      title: "Skips in the last iteration",
      description: "Prompts or pairs skipped, by stage and reason.",
      type: "bargauge",
      unit: "short",
      width: 16,
      queries: [
        {
          expr: "max by (stage, reason) (jurist_trainer_skips)",
          legend: "{{stage}} {{reason}}",
          instant: true,
        },
      ],
    },
  ],
};

const gates: RowSpec = {
  title: "Gates and champion history",
  panels: [
    {
      title: "Champion",
      description: "The checkpoint each gateway serves as champion, over time.",
      type: "state-timeline",
      width: 24,
      queries: [{ expr: "max by (checkpoint) (jurist_champion_info)", legend: "{{checkpoint}}" }],
    },
    {
      title: "Gate results of the last reviewed candidate",
      description: "1 = passed, 0 = failed, per gate; the report under JURIST_DATA_DIR says why.",
      type: "table",
      width: 12,
      queries: [
        {
          expr: "max by (checkpoint, gate) (jurist_gate_passed)",
          legend: "{{gate}}",
          instant: true,
        },
      ],
    },
    {
      title: "Candidate reviews by decision (1 d)",
      description: "promoted, rejected, held, error.",
      unit: "short",
      width: 6,
      queries: [
        {
          expr: "sum by (decision) (increase(jurist_candidate_reviews_total[1d]))",
          legend: "{{decision}}",
        },
      ],
    },
    {
      title: "Rejected in a row",
      description: "Candidates rejected since the last promotion. Alert: JuristGateRejectedStreak.",
      type: "stat",
      width: 6,
      queries: [{ expr: "max(jurist_candidate_rejected_streak)", legend: "rejected in a row" }],
    },
    {
      title: "Shadow verdicts by event",
      description:
        "Live verdicts judged again by a staged candidate: agree, disagree, error, dropped.",
      unit: "reqps",
      width: 24,
      queries: [
        {
          expr: `sum by (event) (${rate("jurist_shadow_requests_total")})`,
          legend: "{{event}}",
        },
      ],
    },
  ],
};

/** Every row, top to bottom. */
export const ROWS: readonly RowSpec[] = [
  traffic,
  latency,
  quality,
  fleet,
  cache,
  collection,
  trainer,
  gates,
];
