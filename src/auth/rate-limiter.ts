import { AppError } from "../core/errors.ts";
import type { RateCounter } from "../store/rate-counter.ts";
import type { Principal } from "./authenticator.ts";

/** The budget's window: limits are per minute. */
const WINDOW_MS = 60_000;

export interface RateLimiterOptions {
  /** Verdicts per key per minute; 0 turns rate limiting off. */
  perMinute: number;
  /** Where counts live: in process, or in Redis for every gateway. */
  counter: RateCounter;
  /** When the counter cannot count: true lets the call through uncounted, false refuses it. */
  failOpen: boolean;
  /** Called each time the counter could not count, with what happened to the call. */
  onStoreFailure?: (decision: "allowed" | "refused") => void;
}

/** Where a key stands after a take, for `x-ratelimit-*` headers. */
export interface RateStanding {
  limit: number;
  remaining: number;
  /** Whole seconds until the window ends. */
  resetSeconds: number;
}

export interface RateLimiter {
  /** False when rate limiting is off: callers may skip `take` altogether. */
  readonly enabled: boolean;
  /**
   * Spends `cost` verdicts of `key`'s per-minute budget, all or nothing. Throws RATE_LIMITED
   * (with Retry-After) when the budget left is smaller than `cost`, STORE_UNAVAILABLE when the
   * count cannot be read and failing closed. `requested` is what the whole request asks for
   * when `cost` is its remainder (its first verdict was taken on arrival), for the message.
   * Resolves to where the key stands, or null when nothing was counted (off, a zero cost, or
   * failing open).
   */
  take(key: string, cost: number, requested?: number): Promise<RateStanding | null>;
}

/**
 * The key a caller is counted under: its API key's id, or its address when it sent no key.
 * HTTP and gRPC name a key the same way, so one key has one budget on both transports.
 */
export function rateKey(principal: Principal, address: string): string {
  return principal.keyId ?? `ip:${address}`;
}

/**
 * One per-key budget of verdicts per minute for every transport: a single judgement costs 1,
 * a batch or reward request as many as the verdicts it asks for (the transports say how
 * many). A fixed window, like the @fastify/rate-limit plugin this replaces.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const max = options.perMinute;
  const enabled = max > 0;
  return {
    enabled,
    async take(key, cost, requested = cost) {
      if (!enabled || cost <= 0) return null;
      let result: Awaited<ReturnType<RateCounter["take"]>>;
      try {
        result = await options.counter.take(key, cost, max, WINDOW_MS);
      } catch (error) {
        options.onStoreFailure?.(options.failOpen ? "allowed" : "refused");
        if (options.failOpen) return null;
        throw new AppError("STORE_UNAVAILABLE", "rate limits cannot be counted right now", {
          cause: error,
          retryAfterSeconds: 1,
        });
      }
      const resetSeconds = Math.max(1, Math.ceil(result.resetInMs / 1000));
      if (!result.taken) {
        // What was left before this request spent anything of it.
        const left = Math.max(0, max - result.count + (requested - cost));
        throw refusal(requested, max, left, resetSeconds);
      }
      return { limit: max, remaining: Math.max(0, max - result.count), resetSeconds };
    },
  };
}

function refusal(requested: number, max: number, left: number, resetSeconds: number): AppError {
  const retry = { retryAfterSeconds: resetSeconds };
  if (requested > max) {
    // Never passes, however long the caller waits: say so rather than only "wait".
    return new AppError(
      "RATE_LIMITED",
      `this request asks for ${requested} verdicts, more than the limit of ${max} per minute: send at most ${max} at a time`,
      retry,
    );
  }
  const asked = requested === 1 ? "" : ` (this request asks for ${requested}, ${left} were left)`;
  return new AppError(
    "RATE_LIMITED",
    `rate limit of ${max} verdicts per minute exceeded${asked}; retry in ${resetSeconds} s`,
    retry,
  );
}
