import { intIn, nonNegativeInt } from "./kinds.ts";
import { area, setting } from "./setting.ts";

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
