import type { Registry } from "prom-client";
import { counter, histogram } from "./labelled-metrics.ts";

/** Which adapter answered. */
export type Transport = "http" | "grpc";

/**
 * How a request ended, the same way on both transports: `ok`; `client_error` (the caller's
 * fault: bad input, auth, not found, rate limited); `unavailable` (shed, no healthy replica,
 * store down — 503/UNAVAILABLE, and upstream 502s, which gRPC cannot tell apart); `timeout`;
 * `cancelled` by the client; `server_error` (our fault).
 */
export type RequestOutcome =
  | "ok"
  | "client_error"
  | "unavailable"
  | "timeout"
  | "cancelled"
  | "server_error";

/** nginx's status for a request whose client closed the connection before the answer. */
export const CLIENT_CLOSED_REQUEST = 499;

/** The outcome of an HTTP response with status `status`. */
export function httpOutcome(status: number): RequestOutcome {
  if (status < 400) return "ok";
  if (status === CLIENT_CLOSED_REQUEST) return "cancelled";
  if (status === 502 || status === 503) return "unavailable";
  if (status === 504) return "timeout";
  return status < 500 ? "client_error" : "server_error";
}

const GRPC_OUTCOMES: Readonly<Record<string, RequestOutcome>> = {
  OK: "ok",
  CANCELLED: "cancelled",
  DEADLINE_EXCEEDED: "timeout",
  UNAVAILABLE: "unavailable",
  UNKNOWN: "server_error",
  INTERNAL: "server_error",
  UNIMPLEMENTED: "server_error",
  DATA_LOSS: "server_error",
};

/** The outcome of a gRPC call that ended with status `code` (its name: `OK`, `INTERNAL`, …). */
export function grpcOutcome(code: string): RequestOutcome {
  return GRPC_OUTCOMES[code] ?? "client_error";
}

/**
 * `jurist_requests_total` and `jurist_request_duration_seconds` by route (HTTP route pattern
 * or `unmatched`; gRPC method path — grpc-js never calls a handler for an unknown method),
 * transport and outcome: one family for both adapters, so one query covers all traffic.
 */
export function createTransportMetrics(registers: Registry[], buckets: readonly number[]) {
  type Key = { route: string; transport: Transport; outcome: RequestOutcome };
  const requests = counter<Key>({
    name: "jurist_requests_total",
    help: "Requests answered over HTTP or gRPC, by route or method, transport and outcome",
    labelNames: ["route", "transport", "outcome"],
    registers,
  });
  const duration = histogram<Key>({
    name: "jurist_request_duration_seconds",
    help: "Seconds from request received to response sent (a gRPC stream: its whole life), by route or method, transport and outcome",
    labelNames: ["route", "transport", "outcome"],
    buckets: [...buckets],
    registers,
  });
  return {
    /** Counts one finished request that took `seconds`. */
    record(key: Key, seconds: number): void {
      requests.inc(key);
      duration.observe(key, seconds);
    },
    /** Counts one request that ended without a response (its client went away): no duration. */
    count(key: Key): void {
      requests.inc(key);
    },
  };
}
