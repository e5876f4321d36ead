import { type DoctorCheck, fail, ok, warn } from "./doctor-check.ts";

/** The gauges the gateway's least-loaded routing reads (src/engine/vllm-metrics.ts). */
const ROUTING_METRICS = ["vllm:num_requests_running", "vllm:num_requests_waiting"];

export const metricsCheck: DoctorCheck = {
  name: "metrics",
  needs: ["reachable"],
  async run({ http }) {
    const answer = await http.get("/metrics");
    if (answer.status !== 200) {
      return fail(
        `/metrics answers ${answer.status}`,
        "the gateway routes by vLLM's queue gauges: do not start vLLM with --disable-log-stats",
      );
    }
    const missing = ROUTING_METRICS.filter(
      (name) => !answer.text.includes(`${name}{`) && !answer.text.includes(`${name} `),
    );
    if (missing.length > 0) {
      return fail(
        `missing ${missing.join(", ")}`,
        "do not start vLLM with --disable-log-stats: the gateway routes by these gauges",
      );
    }
    return ok(`${ROUTING_METRICS.join(" and ")} present`);
  },
};

/**
 * `usage.prompt_tokens_details.cached_tokens` feeds the gateway's prefix-cache metrics; vLLM
 * reports it only with `--enable-prompt-tokens-details` and a non-zero count (serving_chat.py),
 * so it is read from the second of two identical requests.
 */
export const promptTokenDetailsCheck: DoctorCheck = {
  name: "prefix-cache report",
  needs: ["logprobs"],
  async run({ facts }) {
    if (facts.promptTokenDetails) return ok("usage.prompt_tokens_details reported");
    return warn(
      "no usage.prompt_tokens_details on a repeated prompt: cached vs computed prompt tokens stay unknown",
      "start vLLM with --enable-prompt-tokens-details",
    );
  },
};
