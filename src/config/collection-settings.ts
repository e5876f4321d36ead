import { z } from "zod";
import { csv, positiveInt, probability } from "./kinds.ts";
import { area, setting } from "./setting.ts";

const tenantRates = csv
  .pipe(z.array(z.string().regex(/^[^=\s]+=(0(\.\d+)?|1(\.0+)?)$/, "expected tenant=rate")))
  .transform(
    (pairs): Record<string, number> =>
      Object.fromEntries(pairs.map((pair) => [pair.split("=")[0]!, Number(pair.split("=")[1])])),
  );

export const collection = area(
  "Prompt collection",
  "Which live prompts are kept for the trainer, and how they are written to the prompt log.",
  {
    collection: {
      defaultRate: setting({
        env: "JURIST_COLLECT_RATE",
        schema: probability,
        default: 0.1,
        doc: "share of each tenant's distinct prompts collected for the trainer (0–1)",
      }),
      tenantRates: setting({
        env: "JURIST_COLLECT_TENANT_RATES",
        schema: tenantRates,
        default: {},
        doc: "per-tenant rates, e.g. `acme=0.5,bank=0` (`0` opts a tenant out)",
      }),
      dedupWindowMs: setting({
        env: "JURIST_COLLECT_DEDUP_WINDOW_MS",
        schema: positiveInt,
        default: 86_400_000,
        doc: "equal prompts within this window are collected once, ms (24 h)",
      }),
      maxBuffer: setting({
        env: "JURIST_COLLECT_MAX_BUFFER",
        schema: positiveInt,
        default: 2_000,
        doc: "collected prompts held while the prompt log is unreachable; beyond it they are dropped and counted",
      }),
      flushIntervalMs: setting({
        env: "JURIST_COLLECT_FLUSH_MS",
        schema: positiveInt,
        default: 200,
        doc: "how often collected prompts are written, ms",
      }),
      maxBatch: setting({
        env: "JURIST_COLLECT_MAX_BATCH",
        schema: positiveInt,
        default: 100,
        doc: "collected prompts per prompt log append (one script call per 256); a full batch is written without waiting for the timer",
      }),
    },
  },
);
