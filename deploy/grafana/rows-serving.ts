/** Rows about serving: traffic, latency, and the judge's quality without labels. */
import { ANSWERS, API, FAILED, quantile, type RowSpec, rate, share } from "./panel-spec.ts";

export const traffic: RowSpec = {
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

export const latency: RowSpec = {
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

export const quality: RowSpec = {
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
