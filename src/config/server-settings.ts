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
      headersTimeoutMs: setting({
        env: "JURIST_HEADERS_TIMEOUT_MS",
        schema: positiveInt,
        default: 10_000,
        doc: "longest a client may take to send a request's headers, counted from its first byte (from connecting, for the first request), ms; past it → `408 REQUEST_TIMEOUT` and the connection closes. Checked every second (every quarter of the shorter timeout, if less)",
      }),
      bodyTimeoutMs: setting({
        env: "JURIST_BODY_TIMEOUT_MS",
        schema: positiveInt,
        default: 30_000,
        doc: "longest a client may take to send a whole request, headers and body, ms; past it → `408 REQUEST_TIMEOUT` and the connection closes. A total, not an idle gap: a body at the body limit must arrive at `JURIST_BODY_LIMIT_BYTES` / this, or faster (64 MiB in 30 s: 2.2 MB/s). Raise it for callers that upload large data-URI images over slow links (or have them send image URLs); a slow client holds a socket and its buffered body this long. Set below the headers timeout, the headers timeout bounds the whole request",
      }),
    },
  },
);
