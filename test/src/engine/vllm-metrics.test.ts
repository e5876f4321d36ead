import t from "tap";
import { parseQueueDepth } from "../../../src/engine/vllm-metrics.ts";

t.test("sums running and waiting over models", async (t) => {
  const text = [
    "# HELP vllm:num_requests_running Number of requests in model execution batches.",
    "# TYPE vllm:num_requests_running gauge",
    'vllm:num_requests_running{engine="0",model_name="base"} 3.0',
    'vllm:num_requests_running{engine="0",model_name="lora-1"} 2',
    'vllm:num_requests_waiting{engine="0",model_name="base"} 7.0',
    "vllm:num_requests_waiting_by_reason 99",
    "vllm:kv_cache_usage_perc 0.5",
  ].join("\n");
  t.same(parseQueueDepth(text), { running: 5, waiting: 7 });
});

t.test("unreadable samples are skipped, not fatal", async (t) => {
  const text = "vllm:num_requests_running garbage\nvllm:num_requests_waiting NaN\n";
  t.same(parseQueueDepth(text), { running: 0, waiting: 0 });
});
