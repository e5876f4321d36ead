import type { Logger } from "pino";
import type { RedisConnection } from "./redis-client.ts";
import { findLegacyKeys } from "./redis-legacy-keys.ts";

/** How long one look at the old keys stands before a read starts the next. */
const RECHECK_MS = 30_000;

/**
 * Watches the state Redis for keys of the layout before the Cluster hash tags
 * (src/store/redis-legacy-keys.ts). While any remains, this version cannot see what it holds:
 * API keys (every client gets 401), the champion, the collected prompts. The process keeps
 * serving (judging needs none of them, and a gateway that refused to start would turn a
 * one-command fix into an outage), but the first look logs an error naming
 * `jurist redis upgrade`, and `found()` feeds `/readyz` (`redis-key-layout`) and the metric
 * `jurist_redis_legacy_keys`. Reads look again at most every 30 s (five EXISTS), so the
 * report clears without a restart once the upgrade ran.
 */
export function watchLegacyKeys(redis: RedisConnection, logger: Logger, prefix: string) {
  let found: string[] = [];
  let checkedAt = 0;
  let running: Promise<void> | null = null;

  function check(): Promise<void> {
    running ??= findLegacyKeys(redis)
      .then(
        (keys) => {
          if (keys.length > 0 && found.length === 0) {
            logger.error(
              { legacyKeys: keys.map((key) => `${prefix}${key}`) },
              "the state Redis holds keys of a version before the Cluster hash tags, which this version does not read (API keys, champion, prompt stream): stop the gateways and the trainer and run `jurist redis upgrade` (docs/redis.md)",
            );
          } else if (keys.length === 0 && found.length > 0) {
            logger.info("the state Redis holds no old untagged keys any more");
          }
          found = keys;
        },
        () => {
          // Redis unreachable: the last answer stands; the client counts the failure.
        },
      )
      .finally(() => {
        checkedAt = Date.now();
        running = null;
      });
    return running;
  }

  return {
    /** The first look; resolves once done (never rejects). */
    start: check,
    /** Old key names (without the prefix) seen by the last look; empty when none. */
    found(): readonly string[] {
      if (!running && Date.now() - checkedAt >= RECHECK_MS) void check();
      return found;
    },
  };
}
