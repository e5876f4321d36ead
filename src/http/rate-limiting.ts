import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type RateLimiter, type RateStanding, rateKey } from "../auth/rate-limiter.ts";

export interface RateLimitingOptions {
  /** The runtime's limiter: the same per-key budget gRPC spends (src/auth/rate-limiter.ts). */
  limiter: RateLimiter;
}

/** Charges a request's verdicts beyond the first, once its body is read and validated. */
export type ChargeVerdicts = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** What routes use to charge more than one verdict per request. */
export interface RateCharges {
  /**
   * A preHandler charging `count(body) − 1` more verdicts (the first was charged when the
   * request arrived), all or nothing: a batch larger than what is left is refused whole with
   * 429, having spent only its first verdict. Undefined (no preHandler) with rate limiting
   * off, so those routes make no promise per request for nothing.
   */
  verdicts<Body>(count: (body: Body) => number): ChargeVerdicts | undefined;
}

function keyOf(request: FastifyRequest): string {
  return rateKey(request.principal, request.ip);
}

function setHeaders(reply: FastifyReply, standing: RateStanding | null): void {
  if (!standing) return;
  reply.header("x-ratelimit-limit", standing.limit);
  reply.header("x-ratelimit-remaining", standing.remaining);
  reply.header("x-ratelimit-reset", standing.resetSeconds);
}

/**
 * Per-key rate limits for this plugin context's routes: one verdict is charged when a request
 * arrives (before its body is read, so a key over its budget costs no parsing), the rest of a
 * batch's or reward request's verdicts by the route's `verdicts` preHandler. Over the limit:
 * 429 RATE_LIMITED with Retry-After (the error handler sets it); every counted answer carries
 * `x-ratelimit-limit`, `-remaining` and `-reset`. Register after the auth hook, which sets
 * `request.principal`.
 */
export function rateLimiting(app: FastifyInstance, options: RateLimitingOptions): RateCharges {
  const { limiter } = options;
  if (limiter.enabled) {
    app.addHook("onRequest", async (request, reply) => {
      setHeaders(reply, await limiter.take(keyOf(request), 1));
    });
  }
  return {
    verdicts<Body>(count: (body: Body) => number): ChargeVerdicts | undefined {
      if (!limiter.enabled) return undefined;
      return async (request, reply) => {
        // A preHandler runs after the route's schema validated the body: it is a `Body`.
        const verdicts = count(request.body as Body);
        if (verdicts > 1)
          setHeaders(reply, await limiter.take(keyOf(request), verdicts - 1, verdicts));
      };
    },
  };
}
