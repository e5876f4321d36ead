import type { FastifyInstance } from "fastify";
import type { Metrics } from "../metrics/metrics.ts";

/**
 * Records `jurist_http_requests_total` and `jurist_http_request_duration_seconds` (and the
 * transport-neutral `jurist_requests_total` family) for every request the instance answers,
 * 404s included, and counts a request whose client hung up first as status 499, outcome
 * `cancelled`. The route label is the matched pattern (`/v1/judge/pairwise`) or
 * `unmatched`, never the raw URL, so series stay bounded.
 *
 * A function that adds a hook rather than a registered plugin: a plugin gets its own
 * encapsulated scope and its hook would never see the app's routes. Call it on the instance
 * the routes are registered on, before registering them.
 */
export function recordRequestMetrics(app: FastifyInstance, http: Metrics["http"]): void {
  // A callback hook, not an async one: no promise per request.
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "unmatched";
    http.finished(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  // A client that closes the connection first gets no response, so onResponse never runs (and
  // Fastify's onRequestAbort only fires while the request body is still being read).
  app.addHook("onRequest", (request, reply, done) => {
    reply.raw.once("close", () => {
      if (!reply.raw.writableFinished) {
        http.abandoned(request.routeOptions.url ?? "unmatched", request.method);
      }
    });
    done();
  });
}
