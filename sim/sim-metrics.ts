/**
 * The Prometheus text a vLLM replica exposes, for the metrics the fleet and dashboards read.
 * Hand-written (no prom-client): a handful of series, names and label as vLLM's.
 */

/** vLLM's buckets for `vllm:e2e_request_latency_seconds`. */
export const E2E_LATENCY_BUCKETS = [
  0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680,
] as const;

/** One finished completion. */
export interface CompletionRecord {
  promptTokens: number;
  generationTokens: number;
  finishReason: "stop" | "length";
  /** Arrival to response, seconds (queueing included). */
  seconds: number;
}

/** The gauges at the moment of a scrape. */
export interface EngineSnapshot {
  modelName: string;
  running: number;
  waiting: number;
  maxConcurrency: number;
}

function label(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function series(name: string, type: string, help: string, samples: string[]): string {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples].join("\n");
}

/** Counters and a latency histogram for one replica; rendered on each scrape. */
export function createSimMetrics() {
  let promptTokens = 0;
  let generationTokens = 0;
  const successes = { stop: 0, length: 0 };
  const buckets = E2E_LATENCY_BUCKETS.map(() => 0);
  let latencySum = 0;
  let latencyCount = 0;

  function record(completion: CompletionRecord): void {
    promptTokens += completion.promptTokens;
    generationTokens += completion.generationTokens;
    successes[completion.finishReason]++;
    E2E_LATENCY_BUCKETS.forEach((bound, i) => {
      if (completion.seconds <= bound) buckets[i]!++;
    });
    latencySum += completion.seconds;
    latencyCount++;
  }

  function render(snapshot: EngineSnapshot): string {
    const m = `model_name="${label(snapshot.modelName)}"`;
    const e2e = "vllm:e2e_request_latency_seconds";
    return `${[
      "# Simulated vLLM engine (jurist-sim): these metrics come from a test double, not a GPU.",
      series(
        "vllm:num_requests_running",
        "gauge",
        "Number of requests in model execution batches.",
        [`vllm:num_requests_running{${m}} ${snapshot.running}`],
      ),
      series("vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.", [
        `vllm:num_requests_waiting{${m}} ${snapshot.waiting}`,
      ]),
      series("vllm:kv_cache_usage_perc", "gauge", "KV-cache usage. 1 means 100 percent usage.", [
        `vllm:kv_cache_usage_perc{${m}} ${snapshot.running / snapshot.maxConcurrency}`,
      ]),
      series("vllm:prompt_tokens_total", "counter", "Number of prefill tokens processed.", [
        `vllm:prompt_tokens_total{${m}} ${promptTokens}`,
      ]),
      series("vllm:generation_tokens_total", "counter", "Number of generation tokens processed.", [
        `vllm:generation_tokens_total{${m}} ${generationTokens}`,
      ]),
      series("vllm:request_success_total", "counter", "Count of successfully processed requests.", [
        `vllm:request_success_total{finished_reason="stop",${m}} ${successes.stop}`,
        `vllm:request_success_total{finished_reason="length",${m}} ${successes.length}`,
      ]),
      series(e2e, "histogram", "Histogram of e2e request latency in seconds.", [
        ...E2E_LATENCY_BUCKETS.map((b, i) => `${e2e}_bucket{le="${b}",${m}} ${buckets[i]}`),
        `${e2e}_bucket{le="+Inf",${m}} ${latencyCount}`,
        `${e2e}_count{${m}} ${latencyCount}`,
        `${e2e}_sum{${m}} ${latencySum}`,
      ]),
    ].join("\n")}\n`;
  }

  return { record, render };
}

export type SimMetrics = ReturnType<typeof createSimMetrics>;
