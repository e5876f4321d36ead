import { intIn, nonNegativeInt, positiveInt } from "./kinds.ts";
import { area, setting } from "./setting.ts";

/**
 * What an HTTP JSON body costs while its request runs, per byte of the body: the bytes as
 * read (one Buffer), the text decoded from them, and the strings JSON.parse makes of that text
 * (an image body is nearly all base64 strings, which the request then keeps as its images'
 * data URIs). All three are alive at once while JSON.parse runs; the first two are garbage
 * after it, but garbage is memory until a collection runs, so the request holds all three
 * until it ends (src/http/json-body.ts charges it; src/config/cross-checks.ts holds the
 * budget to at least this many times the body limit).
 */
export const HTTP_BODY_COST_PER_BYTE = 3;

export const shedding = area(
  "Load shedding and shutdown",
  "When the gateway refuses work to protect itself, and how it drains on SIGTERM.",
  {
    shedding: {
      maxEventLoopDelayMs: setting({
        env: "JURIST_MAX_EVENT_LOOP_DELAY_MS",
        schema: nonNegativeInt,
        default: 1_000,
        doc: "mean event-loop delay over the last second past which judging requests get `503 OVERLOADED` (gRPC `UNAVAILABLE`), ms; `0` = off",
      }),
      maxHeapBytes: setting({
        env: "JURIST_MAX_HEAP_BYTES",
        schema: nonNegativeInt,
        default: 0,
        doc: "heap use past which judging requests get `503 OVERLOADED` (gRPC `UNAVAILABLE`), bytes; `0` = 90% of V8's limit",
      }),
      inflightBytesBudget: setting({
        env: "JURIST_INFLIGHT_BYTES_BUDGET",
        schema: positiveInt,
        default: 1024 * 1024 * 1024,
        doc: "bytes every request in flight may hold at once, over both transports: an HTTP body counts three times its size (the bytes read, the text decoded from them and the strings parsed from that, all alive while it is parsed; reserved from `Content-Length` before a byte is read, or as a chunked body arrives), a gRPC message twice its size (the bytes grpc-js read and the strings decoded from them; counted once the handler has it, as grpc-js reads a whole message first), each image its decoded bytes; past it → `503 OVERLOADED` with `Retry-After`, counted in `jurist_shed_requests_total{reason=\"memory\"}`. The default, 1 GiB, is half the gateway pod's shipped memory limit (2 GiB, `deploy/k8s/base/gateway.yaml`): the other half is for the process at rest (150–180 MB measured idle), the heap of ordinary traffic, and what the budget does not count (garbage not yet collected, copies while a body is written to a replica). With another pod limit, set it to half of that, and raise V8's heap limit to match (`NODE_OPTIONS=--max-old-space-size`, as the shipped manifest does): Node sizes the heap from the pod's limit, about a quarter of it, below what a full budget puts in the heap. It must be at least three times `JURIST_BODY_LIMIT_BYTES` (the default: 683,673,120 bytes), or a body at the limit could never be admitted, not even before its images are decoded: the gateway refuses to start below that. A body at the limit also carries up to eight images whose decoded bytes (up to `JURIST_IMAGE_MAX_BYTES` each) and resize pixels are held on top, so leave room above it",
      }),
      heapGrowthPercent: setting({
        env: "JURIST_HEAP_GROWTH_PERCENT",
        schema: intIn(0, 1_000),
        default: 100,
        doc: "how far the heap may grow past what the last full collection kept before the next one, percent (V8's `--heap-growing-percent`, 0–1000); `0` = V8's own factor, which lets it reach 4× under sustained load (`loadtest/RESULTS.md`); a soft bound: the heap still grows with what is live",
      }),
      drainTimeoutMs: setting({
        env: "JURIST_DRAIN_TIMEOUT_MS",
        schema: nonNegativeInt,
        default: 30_000,
        doc: "after SIGTERM, how long in-flight requests may take before they are cancelled, ms",
      }),
    },
  },
);
