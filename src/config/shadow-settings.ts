import { nonNegativeInt, positiveInt, probability } from "./kinds.ts";
import { area, setting } from "./setting.ts";

export const shadow = area(
  "Shadow traffic",
  "Live verdicts judged again by the candidate under review, off the critical path, for a `shadow_agreement` gate.",
  {
    shadow: {
      rate: setting({
        env: "JURIST_SHADOW_RATE",
        schema: probability,
        default: 0,
        doc: "share of live champion verdicts also judged by the staged candidate (0–1)",
      }),
      maxWaitMs: setting({
        env: "JURIST_SHADOW_MAX_WAIT_MS",
        schema: nonNegativeInt,
        default: 600_000,
        doc: "how long a shadow gate waits for its minimum of shadow verdicts, ms",
      }),
      maxInFlight: setting({
        env: "JURIST_SHADOW_MAX_IN_FLIGHT",
        schema: positiveInt,
        default: 16,
        doc: "shadow judgements in flight at most per gateway; more are dropped (and counted), never queued",
      }),
    },
  },
);
