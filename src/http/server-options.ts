import type { Server } from "node:http";
import { type FastifyBaseLogger, type FastifyHttpOptions, LogController } from "fastify";
import type { Config } from "../config/config.ts";
import { httpErrorHandler } from "./error-handler.ts";
import { clientErrorHandler } from "./protocol-errors.ts";

/**
 * The body limit of every route but the four that judge (which take JURIST_BODY_LIMIT_BYTES,
 * judging-guards.ts): admin calls, and routes that take no body at all, never need more than a
 * few hundred bytes, so a large body sent to them is refused before it is read.
 */
export const SMALL_BODY_LIMIT_BYTES = 64 * 1024;

/** How often Node checks for requests past their headers or body timeout: at most this late. */
const MAX_CHECK_INTERVAL_MS = 1_000;

/**
 * The Fastify options of the HTTP server: limits, the timeouts of each phase of a request,
 * and the catalogue's error shape for the errors Node and Fastify raise before any route
 * (src/server.ts listens with these; tests build their gateways with them too).
 *
 * The phases, and what bounds each:
 * - headers: JURIST_HEADERS_TIMEOUT_MS from the first byte (or from connecting);
 * - the whole request, headers and body: JURIST_BODY_TIMEOUT_MS (Node's `requestTimeout`);
 * - the answer: the request's deadline (JURIST_REQUEST_TIMEOUT_MS), enforced by the routes;
 *   the socket's idle timeout sits past it so a slow verdict is never cut by the socket;
 * - between requests on a kept-alive connection: the keep-alive timeout.
 */
export function httpServerOptions(
  config: Config,
  logger: FastifyBaseLogger,
): FastifyHttpOptions<Server, FastifyBaseLogger> {
  const { headersTimeoutMs, bodyTimeoutMs, requestTimeoutMs } = config.http;
  // Node refuses a headers timeout longer than the request timeout.
  const receiveTimeoutMs = Math.max(bodyTimeoutMs, headersTimeoutMs);
  return {
    loggerInstance: logger,
    // src/http/access-log.ts writes one line per request instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: SMALL_BODY_LIMIT_BYTES,
    http: {
      // Node answers a missing Host with an empty 400; protocol-errors.ts answers it instead.
      requireHostHeader: false,
      headersTimeout: headersTimeoutMs,
      requestTimeout: receiveTimeoutMs,
      // Node's default checks every 30 s, which let a slow client hold a socket 30 s past
      // its timeout.
      connectionsCheckingInterval: Math.min(
        MAX_CHECK_INTERVAL_MS,
        Math.ceil(Math.min(headersTimeoutMs, receiveTimeoutMs) / 4),
      ),
    },
    requestTimeout: receiveTimeoutMs,
    connectionTimeout: requestTimeoutMs + 10_000,
    keepAliveTimeout: 72_000,
    clientErrorHandler: clientErrorHandler(logger),
    // A bad percent-encoding in a path parameter, an over-long parameter: the catalogue's 400.
    frameworkErrors: httpErrorHandler,
    // Requests arriving on open connections while draining go through the app, so judging
    // gets the catalogue's 503 OVERLOADED + Retry-After and /readyz says not_ready (Fastify's
    // own closing 503 would carry neither).
    return503OnClosing: false,
    forceCloseConnections: "idle",
  };
}
