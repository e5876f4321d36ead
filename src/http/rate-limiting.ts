import rateLimit from "@fastify/rate-limit";
import LocalStore from "@fastify/rate-limit/store/LocalStore.js";
import RedisStore from "@fastify/rate-limit/store/RedisStore.js";
import type { FastifyInstance } from "fastify";
import type { Redis } from "ioredis";
import { AppError } from "../core/errors.ts";

export interface RateLimitingOptions {
  /** Requests per key per minute; 0 turns rate limiting off. */
  perMinute: number;
  /** Shared counters across gateways; null → this process only. */
  redis: Redis | null;
  /** When Redis cannot count: true lets the request through, false refuses it with a 503. */
  failOpen: boolean;
}

type Counted = { current: number; ttl: number };
type Callback = (err: Error | null, res?: Counted) => void;
type Incr = (
  key: string,
  cb: (err: Error | null, res: Counted | null) => void,
  w: number,
  m: number,
) => void;

/**
 * The plugin's store, made shared across routes (one budget per key, not per route) and with
 * store failures as STORE_UNAVAILABLE, so failing closed is a clear 503 rather than a 500.
 */
function sharedStore(inner: { incr: Incr }) {
  return class SharedRateLimitStore {
    incr(key: string, cb: Callback, window: number, max: number) {
      inner.incr(
        key,
        (err, res) => {
          if (!err) return cb(null, res ?? undefined);
          const error = new AppError(
            "STORE_UNAVAILABLE",
            "rate limits cannot be counted right now",
            {
              cause: err,
              retryAfterSeconds: 1,
            },
          );
          cb(error);
        },
        window,
        max,
      );
    }
    child() {
      return this;
    }
  };
}

/**
 * Per-key rate limits for this plugin context's routes (@fastify/rate-limit): the key's id,
 * or the client address for calls without a key. Over the limit: 429 RATE_LIMITED with
 * Retry-After. Register after the auth hook, which sets `request.principal`.
 */
export async function rateLimiting(app: FastifyInstance, options: RateLimitingOptions) {
  if (options.perMinute <= 0) return;
  const inner = options.redis
    ? new RedisStore(false, false, options.redis, "rate:")
    : new LocalStore(false, false, 10_000);
  await app.register(rateLimit, {
    max: options.perMinute,
    timeWindow: 60_000,
    store: sharedStore(inner as { incr: Incr }),
    skipOnError: options.failOpen,
    keyGenerator: (request) => request.principal?.keyId ?? `ip:${request.ip}`,
    errorResponseBuilder: (_request, context) =>
      new AppError("RATE_LIMITED", `rate limit of ${context.max} requests per minute exceeded`, {
        retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)),
      }),
  });
}
