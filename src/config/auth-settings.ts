import { z } from "zod";
import { bool, csv, nonNegativeInt } from "./kinds.ts";
import { area, setting } from "./setting.ts";

export const auth = area(
  "Authentication and rate limits",
  "API keys (`jurist keys`) and per-key request rates, shared by every gateway through Redis.",
  {
    auth: {
      mode: setting({
        env: "JURIST_AUTH",
        schema: z.enum(["auto", "required", "off"]),
        default: "auto",
        doc: "`required`, `off`, or `auto` (required when `HOST` is not a loopback address); `off` on a public address logs a warning",
      }),
      keyCacheTtlMs: setting({
        env: "JURIST_KEY_CACHE_TTL_MS",
        schema: nonNegativeInt,
        default: 60_000,
        doc: "how long a validated API key is trusted without asking Redis again, ms; revocations reach every gateway at once over pub/sub, this is the fallback when pub/sub is down (without Redis keys are not cached)",
      }),
      publicRoutes: setting({
        env: "JURIST_PUBLIC_ROUTES",
        schema: csv.pipe(z.array(z.enum(["models", "docs"]))),
        default: [],
        doc: "what answers without a key when keys are required, comma-separated: `models` (`GET /v1/models`, gRPC `ListModels`), `docs` (`/docs`, `/openapi.json`)",
      }),
      adminOrigins: setting({
        env: "JURIST_ADMIN_ORIGINS",
        schema: csv.pipe(z.array(z.url({ protocol: /^https?$/ }))),
        default: [],
        doc: "browser origins (`https://jurist.example.com`, comma-separated) besides the gateway's own that may make state-changing admin calls, e.g. the public origin when a proxy rewrites `Host`",
      }),
      rateLimitPerMinute: setting({
        env: "JURIST_RATE_LIMIT_PER_MINUTE",
        schema: nonNegativeInt,
        default: 0,
        doc: "verdicts per API key (or client address without a key) per minute, over HTTP and gRPC together and shared by all gateways: a batch costs one per item, a reward request one per pair, a stream one per item; `0` = no limit",
      }),
      rateLimitFailOpen: setting({
        env: "JURIST_RATE_LIMIT_FAIL_OPEN",
        schema: bool,
        default: true,
        doc: "when Redis cannot count: `true` lets requests through, `false` answers `503 STORE_UNAVAILABLE` (gRPC `UNAVAILABLE`)",
      }),
    },
  },
);
