import { Gauge, type Registry } from "prom-client";
import type { RedisRole } from "../store/redis-client.ts";
import { REDIS_ERROR_CAUSES, type RedisErrorCause } from "../store/redis-error-cause.ts";
import { counter, zeroed } from "./labelled-metrics.ts";

const ROLES: readonly RedisRole[] = ["state", "cache"];

/**
 * Redis as the stores see it: failed commands by role and cause (OOM, CROSSSLOT, READONLY,
 * exhausted redirections, connection, …), each role's write probe, and the rate limiter's
 * calls that could not be counted (let through or refused, as `JURIST_RATE_LIMIT_FAIL_OPEN`
 * says), so no Redis failure is silent. Every series starts at 0.
 */
export function createRedisMetrics(registers: Registry[]) {
  const errors = zeroed(
    counter<{ role: RedisRole; cause: RedisErrorCause }>({
      name: "jurist_redis_errors_total",
      help: "Redis commands that failed after the client's own retries, by role (state, cache) and cause (oom, crossslot, readonly, redirections, cluster_down, connection, timeout, other)",
      labelNames: ["role", "cause"],
      registers,
    }),
    ROLES.flatMap((role) => REDIS_ERROR_CAUSES.map((cause) => ({ role, cause }))),
  );
  const rateLimitUncounted = zeroed(
    counter<{ decision: "allowed" | "refused" }>({
      name: "jurist_rate_limit_store_failures_total",
      help: "Rate-limit charges the store could not count, by what happened to the call (allowed uncounted: JURIST_RATE_LIMIT_FAIL_OPEN=true; refused with STORE_UNAVAILABLE)",
      labelNames: ["decision"],
      registers,
    }),
    [{ decision: "allowed" }, { decision: "refused" }],
  );
  let source: () => Record<string, "ok" | "degraded"> = () => ({});
  let legacyKeys: () => readonly string[] = () => [];
  new Gauge({
    name: "jurist_redis_legacy_keys",
    help: "Keys of the layout before the Cluster hash tags (registry:*, keys:ids, prompts) found in the state Redis: this version does not read them; run `jurist redis upgrade`",
    registers,
    collect() {
      this.set(legacyKeys().length);
    },
  });
  new Gauge({
    name: "jurist_redis_up",
    help: "1 while a Redis role is connected, accepts the write probe and had no failed command in the last 5 s; 0 when degraded",
    labelNames: ["role"],
    registers,
    collect() {
      this.reset();
      for (const [name, state] of Object.entries(source())) {
        this.set({ role: name.replace(/^redis-/, "") }, state === "ok" ? 1 : 0);
      }
    },
  });
  return {
    errors,
    /** Counts one failed command (the stores' observer). */
    error(role: RedisRole, cause: RedisErrorCause): void {
      errors.inc({ role, cause });
    },
    rateLimitUncounted,
    /**
     * Makes `jurist_redis_up` read `states` (`redis-state`, `redis-cache`) and
     * `jurist_redis_legacy_keys` read `legacy` on every scrape.
     */
    observe(
      states: () => Record<string, "ok" | "degraded">,
      legacy: () => readonly string[] = () => [],
    ): void {
      source = states;
      legacyKeys = legacy;
    },
  };
}
