import t from "tap";
import { loadConfig } from "../../../src/config/config.ts";

t.test("JURIST_GATEWAY_PEERS: auto, a count or a DNS name", async (t) => {
  const peers = (value?: string) =>
    loadConfig(value === undefined ? {} : { JURIST_GATEWAY_PEERS: value }).engine.peers.discovery;
  t.same(peers(), { kind: "auto" }, "auto unless set");
  t.same(peers("auto"), { kind: "auto" });
  t.same(peers("20"), { kind: "static", count: 20 });
  t.same(peers("dns:jurist-gateway-headless.jurist.svc"), {
    kind: "dns",
    hostname: "jurist-gateway-headless.jurist.svc",
  });
  for (const bad of ["0", "-1", "2.5", "dns:", "dns:a b", "redis", "http://x"]) {
    t.throws(() => peers(bad), /JURIST_GATEWAY_PEERS/, bad);
  }
});

// vLLM exports no scheduler setting a gateway could read (vllm/v1/metrics/loggers.py exports
// `vllm:cache_config_info` only; /v1/models has max_model_len), so `--max-num-seqs` is a setting.
// Its default follows `vllm serve` when the flag is not given: `get_batch_defaults` in
// vllm/engine/arg_utils.py (0.12.0, the tested image) picks 256 for the OpenAI server on most
// GPUs, 1024 on ≥ 70 GiB ones but the A100, 128 × world size on CPU.
t.test("the replica limit's settings: max-num-seqs, share, and the cap now optional", async (t) => {
  const engine = loadConfig({}).engine;
  t.equal(engine.capacity.maxNumSeqs, 256, "vLLM's default on most GPUs");
  t.equal(engine.capacity.share, 1);
  t.equal(engine.maxInFlightPerReplica, undefined, "no cap unless set");
  t.equal(loadConfig({ JURIST_REPLICA_MAX_CONCURRENCY: "32" }).engine.maxInFlightPerReplica, 32);
  t.throws(() => loadConfig({ JURIST_REPLICA_CAPACITY_SHARE: "0" }), /SHARE/);
  t.throws(() => loadConfig({ JURIST_REPLICA_MAX_NUM_SEQS: "0" }), /MAX_NUM_SEQS/);
});
