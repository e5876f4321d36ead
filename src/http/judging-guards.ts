import type { FastifyInstance } from "fastify";
import { type AuthHookOptions, requireScope } from "./auth-hook.ts";
import { type LoadSheddingOptions, loadShedding } from "./load-shedding.ts";
import { type RateCharges, type RateLimitingOptions, rateLimiting } from "./rate-limiting.ts";

/** What every route that spends replica time is guarded by, and its deadline settings. */
export interface JudgingRouteOptions {
  /** Default deadline of one request, ms; callers may shorten it with `x-jurist-timeout-ms`. */
  requestTimeoutMs: number;
  /** Aborted when in-flight work must stop, cancelling engine calls. */
  shutdown: AbortSignal;
  shedding: LoadSheddingOptions;
  auth: AuthHookOptions;
  rateLimit: RateLimitingOptions;
  /**
   * Largest body of these routes (JURIST_BODY_LIMIT_BYTES): theirs carry images; every other
   * route keeps the server's small default (server-options.ts).
   */
  bodyLimitBytes: number;
}

/**
 * Load shedding, the `judge` scope and rate limits, in that order (cheapest refusal first), and
 * the body limit that fits images, for every route this plugin context adds after it. Returns
 * the charges routes add for requests of more than one verdict.
 */
export function guardJudging(app: FastifyInstance, options: JudgingRouteOptions): RateCharges {
  app.addHook("onRoute", (route) => {
    route.bodyLimit ??= options.bodyLimitBytes;
  });
  loadShedding(app, options.shedding);
  requireScope(app, "judge", options.auth);
  return rateLimiting(app, options.rateLimit);
}
