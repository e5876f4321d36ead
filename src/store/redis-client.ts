import { Redis } from "ioredis";
import type { Logger } from "pino";

export interface RedisClientOptions {
  url: string;
  /** Every key Jurist writes starts with this (e.g. `jurist:`), so one Redis can be shared. */
  keyPrefix: string;
  logger: Logger;
}

/**
 * Redis connections for the stores. Commands fail fast while disconnected (no offline queue):
 * a Redis outage must turn into cache misses and buffered collection, never into requests
 * hanging on a queue. ioredis reconnects by itself with capped back-off; `subscriber()` gives a
 * separate connection for pub/sub, as blocking and subscribed connections cannot run commands.
 */
export function createRedisClient(options: RedisClientOptions) {
  const connections: Redis[] = [];
  let lastState: "ready" | "down" | undefined;

  function connect(name: string): Redis {
    const redis = new Redis(options.url, {
      keyPrefix: options.keyPrefix,
      connectionName: `jurist-${name}`,
      enableOfflineQueue: name === "subscriber",
      // Commands issued in the same turn of the event loop (every verdict's cache GET and
      // SET, rate-limit counters) go out in one write: one syscall per turn instead of one
      // per command, which cost more than the commands themselves (loadtest/RESULTS.md).
      enableAutoPipelining: name !== "subscriber",
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      commandTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2_000),
    });
    redis.on("error", () => {
      // Errors surface on the commands that fail; "end"/"ready" below log the transitions.
    });
    redis.on("ready", () => report("ready", name));
    redis.on("close", () => report("down", name));
    connections.push(redis);
    return redis;
  }

  function report(state: "ready" | "down", name: string): void {
    if (name !== "commands" || lastState === state) return;
    lastState = state;
    if (state === "ready") options.logger.info("redis connected");
    else options.logger.warn("redis connection lost; stores degrade until it returns");
  }

  const commands = connect("commands");

  return {
    /** The shared command connection (fails fast while disconnected). */
    commands,
    /** A new connection for SUBSCRIBE; the caller owns its listeners. */
    subscriber: () => connect("subscriber"),
    keyPrefix: options.keyPrefix,
    /**
     * Resolves true once the command connection is ready, false after `timeoutMs`: a gateway
     * starting while Redis is down starts degraded instead of failing.
     */
    async ready(timeoutMs = 5_000): Promise<boolean> {
      if (commands.status === "ready") return true;
      return new Promise((resolve) => {
        const done = (value: boolean) => {
          clearTimeout(timer);
          commands.off("ready", onReady);
          resolve(value);
        };
        const onReady = () => done(true);
        const timer = setTimeout(() => done(false), timeoutMs);
        commands.on("ready", onReady);
      });
    },
    /** `ok` while the command connection is ready, else `degraded`. */
    status: (): "ok" | "degraded" => (commands.status === "ready" ? "ok" : "degraded"),
    async close(): Promise<void> {
      await Promise.all(connections.map((redis) => redis.quit().catch(() => redis.disconnect())));
    },
  };
}

export type RedisClient = ReturnType<typeof createRedisClient>;
