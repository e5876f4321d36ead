import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import t from "tap";
import { loadConfig } from "../../../src/config/config.ts";

// Every default of the whole Config, written down apart from the declarations it comes from:
// default-config.json is what loadConfig({}) returned before settings were declared once
// (87a5f64's hand mapping), plus the three tunables that were constants in code then
// (collection.maxBatch 100, shadow.maxInFlight 16; engine.hedge.minSamples 50), and since issue 17
// the structured-output field `auto` and the engine keep-alive (4 s, below vLLM's 5 s); since issue 18
// the body limit derived from the image limits, the JSON depth and count of values, the in-flight
// byte budget and a 50 MP decode ceiling (docs/security.md), and the gRPC message limit derived
// from the image limits (no longer HTTP's body limit when unset); since issue 19 the policy
// template `/get_reward` strips (auto), its failed items' reward (null) and the dataset's image
// form (`paths`, the JSONL as before); since issue 20 vLLM's per-request priority (off) and the
// gRPC maximum connection age (5 min, so clients rebalance over gateway pods), the image blob
// store (files, a 7-day TTL, no byte bound; S3's settings for JURIST_BLOB_STORE=s3), and the replica
// limit as a share of vLLM's `--max-num-seqs` (256, share 1) over the gateways counted (`auto`,
// every 2 s) with `JURIST_REPLICA_MAX_CONCURRENCY` (was 128) now an optional cap. A declaration
// whose default, key or mapping drifts fails here, whatever the declarations say of themselves.
const EXPECTED = JSON.parse(
  readFileSync(new URL("./default-config.json", import.meta.url), "utf8").replace(
    "<this host name>",
    hostname(),
  ),
) as unknown;

t.test("loadConfig({}) is every default, as before the restructure", async (t) => {
  t.strictSame(JSON.parse(JSON.stringify(loadConfig({}))), EXPECTED);
});
