import { type DoctorCheck, fail, ok } from "./doctor-check.ts";

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
