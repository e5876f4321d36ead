import { z } from "zod";
import { port, positiveInt } from "./kinds.ts";
import { area, setting } from "./setting.ts";

export const server = area(
  "HTTP server",
  "Where the gateway listens for HTTP, how much it accepts, how long a request may take.",
  {
    host: setting({
      env: "HOST",
      schema: z.string().min(1),
      default: "127.0.0.1",
      doc: "HTTP (and gRPC) bind address; a non-loopback address turns `JURIST_AUTH=auto` on",
    }),
    port: setting({ env: "PORT", schema: port, default: 8080, doc: "HTTP port" }),
    logLevel: setting({
      env: "JURIST_LOG_LEVEL",
      schema: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
      default: "info",
      doc: "`fatal` … `trace`, or `silent`",
    }),
    http: {
      bodyLimitBytes: setting({
        env: "JURIST_BODY_LIMIT_BYTES",
        schema: positiveInt,
        default: 64 * 1024 * 1024,
        doc: "largest HTTP request body, bytes (64 MiB); larger → `413 PAYLOAD_TOO_LARGE`",
      }),
      requestTimeoutMs: setting({
        env: "JURIST_REQUEST_TIMEOUT_MS",
        schema: positiveInt,
        default: 60_000,
        doc: "deadline for one HTTP judging request end to end, ms; past it → `504 UPSTREAM_TIMEOUT`",
      }),
    },
  },
);
