import { Cluster, type Command, Redis } from "ioredis";
import type { Logger } from "pino";
import { type RedisErrorCause, redisErrorCause } from "./redis-error-cause.ts";

/**
 * What a Redis connection is for. `state` holds what must not be lost or evicted (keys,
 * registry, trainer state, the prompt stream and its dedup markers, rate counters, shadow
 * counts); `cache` holds only the verdict cache, which may be evicted at will
 * (docs/redis.md says why each piece sits where it does).
 */
export type RedisRole = "state" | "cache";

/** A single Redis or a Redis Cluster: the stores use only commands both accept alike. */
export type RedisConnection = Redis | Cluster;

export interface RedisClientOptions {
  /** `redis://host:6379/0` for a single Redis (or a primary behind a proxy). */
  url?: string;
  /** `host:port` seed nodes of a Redis Cluster; exactly one of `url` and this is set. */
  clusterNodes?: readonly string[];
  /** Every key Jurist writes starts with this (e.g. `jurist:`), so one Redis can be shared. */
  keyPrefix: string;
  logger: Logger;
  /** Which role the connection serves, for logs, metrics and readiness. Default `state`. */
  role?: RedisRole;
  /** Called once per failed command with its cause (the metric counts here). */
  onError?: (role: RedisRole, cause: RedisErrorCause) => void;
}

/** How long a probe result stands before the next readiness read runs another. */
const PROBE_INTERVAL_MS = 2_000;
/** A failure this recent makes the role `degraded` even when the last probe passed. */
const RECENT_FAILURE_MS = 5_000;

/**
 * Commands ioredis sends for itself while connecting (handling their failures itself): not
 * the stores' work. `CLIENT SETINFO`, for one, fails on every connection to a Redis before 7.2.
 */
const CONNECTION_SETUP = new Set(["client", "select", "auth", "hello", "readonly", "info", "quit"]);

/** `host:port` into ioredis's `{host, port}`; IPv6 hosts in brackets (`[::1]:7000`). */
export function parseClusterNode(node: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(node.trim());
  if (!match) throw new Error(`cluster node "${node}" is not host:port`);
  return { host: match[1]!, port: Number(match[2]) };
}

/**
 * Braces in the key prefix would become the hash tag of every key (ioredis prepends the
 * prefix to each key, and Redis hashes the first `{…}`), putting all of Jurist on one slot or
 * splitting the tags the stores rely on. Refused at start-up.
 */
export function keyPrefixProblem(prefix: string): string | null {
  return /[{}]/.test(prefix)
    ? `key prefix "${prefix}" must not contain "{" or "}": they would change the keys' hash slots`
    : null;
}

/**
 * Redis connections for the stores, one role each. Commands fail fast while disconnected (no
 * offline queue): a Redis outage must turn into cache misses and buffered collection, never
 * into requests hanging on a queue. ioredis reconnects by itself with capped back-off;
 * `subscriber()` gives a separate connection for pub/sub, as blocking and subscribed
 * connections cannot run commands.
 *
 * Against a Cluster (ioredis `Cluster`, which follows MOVED and ASK itself and retries
 * TRYAGAIN and CLUSTERDOWN after `retryDelayOn*`), auto-pipelining is off: ioredis retries a
 * redirected pipeline only when every command in it failed alike, so during a reshard a
 * pipeline mixing moved and unmoved keys would hand MOVED to the caller. Every key a script
 * touches is passed in KEYS, and a script's keys share one hash tag (the stores say which).
 *
 * Every failed command is counted by cause (`onError`) and logged once per cause until the
 * role is healthy again; `status()` reads a write probe run at most every 2 s.
 */
export function createRedisClient(options: RedisClientOptions) {
  const role = options.role ?? "state";
  const prefixProblem = keyPrefixProblem(options.keyPrefix);
  if (prefixProblem) throw new Error(prefixProblem);
  if (Boolean(options.url) === Boolean(options.clusterNodes?.length)) {
    throw new Error(`redis ${role}: set exactly one of a URL and cluster nodes`);
  }
  const cluster = options.clusterNodes?.map(parseClusterNode);
  const connections: RedisConnection[] = [];
  let lastState: "ready" | "down" | undefined;
  const logged = new Set<RedisErrorCause>();
  let lastFailureAt = 0;
  let probe: { at: number; ok: boolean; running: boolean } = { at: 0, ok: true, running: false };

  function failed(error: unknown): void {
    const cause = redisErrorCause(error);
    if (!cause) return;
    if (cause !== "other") lastFailureAt = Date.now();
    options.onError?.(role, cause);
    if (logged.has(cause)) return;
    logged.add(cause);
    options.logger.warn(
      { role, cause, err: error instanceof Error ? error.message : String(error) },
      `redis ${role} command failed (${cause}); further ${cause} failures are counted in jurist_redis_errors_total, not logged`,
    );
  }

  /** Observes every command's final outcome (after ioredis's own redirections and retries). */
  function observe(connection: RedisConnection): void {
    const seen = new WeakSet<Promise<unknown>>();
    const target = connection as unknown as {
      sendCommand(command: Command, ...rest: unknown[]): unknown;
    };
    const send = target.sendCommand;
    target.sendCommand = function (this: unknown, command: Command, ...rest: unknown[]) {
      // A command can pass through several times (pipeline retries re-create its promise).
      if (!seen.has(command.promise) && !CONNECTION_SETUP.has(command.name)) {
        seen.add(command.promise);
        command.promise.catch(failed);
      }
      return send.call(this, command, ...rest);
    };
  }

  function connect(name: string): RedisConnection {
    const subscriber = name === "subscriber";
    const common = {
      connectionName: `jurist-${role}-${name}`,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      commandTimeout: 2_000,
    };
    const redis: RedisConnection = cluster
      ? new Cluster(cluster, {
          keyPrefix: options.keyPrefix,
          enableOfflineQueue: subscriber,
          enableAutoPipelining: false,
          scaleReads: "master",
          // ioredis's defaults, spelled out: 16 redirections, TRYAGAIN (a multi-key command
          // on a slot being migrated) retried after 100 ms.
          maxRedirections: 16,
          retryDelayOnTryAgain: 100,
          retryDelayOnClusterDown: 100,
          retryDelayOnFailover: 100,
          slotsRefreshTimeout: 2_000,
          clusterRetryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2_000),
          redisOptions: common,
        })
      : new Redis(options.url!, {
          ...common,
          keyPrefix: options.keyPrefix,
          enableOfflineQueue: subscriber,
          // Commands issued in the same turn of the event loop (every verdict's cache GET and
          // SET, rate-limit counters) go out in one write: one syscall per turn instead of one
          // per command, which cost more than the commands themselves (loadtest/RESULTS.md).
          enableAutoPipelining: !subscriber,
          retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2_000),
        });
    redis.on("error", () => {
      // Errors surface on the commands that fail; "close"/"ready" below log the transitions.
    });
    if (!subscriber) {
      redis.on("ready", () => report("ready"));
      redis.on("close", () => report("down"));
      redis.on("end", () => report("down"));
      observe(redis);
    }
    connections.push(redis);
    return redis;
  }

  function report(state: "ready" | "down"): void {
    if (lastState === state) return;
    lastState = state;
    if (state === "ready") options.logger.info({ role }, `redis ${role} connected`);
    else
      options.logger.warn(
        { role },
        `redis ${role} connection lost; stores degrade until it returns`,
      );
  }

  const commands = connect("commands");

  async function runProbe(): Promise<void> {
    probe.running = true;
    let ok = false;
    try {
      // A write, not a PING: a full `noeviction` Redis answers PING but refuses writes.
      await commands.set(`probe:${role}`, String(Date.now()), "PX", 60_000);
      ok = true;
    } catch {
      // Counted by the command observer.
    }
    probe = { at: Date.now(), ok, running: false };
  }

  /**
   * `ok` while connected, the last write probe passed and no command failed in the last 5 s.
   * Synchronous for readiness: a read older than 2 s starts the next probe and answers from
   * the last one, so probes never hammer Redis. Back at `ok` after failures, the recovery is
   * logged and each cause may be logged again.
   */
  function status(): "ok" | "degraded" {
    const now = Date.now();
    if (!probe.running && now - probe.at >= PROBE_INTERVAL_MS && commands.status === "ready") {
      void runProbe();
    }
    const ok = commands.status === "ready" && now - lastFailureAt >= RECENT_FAILURE_MS && probe.ok;
    if (ok && logged.size > 0) {
      logged.clear();
      options.logger.info({ role }, `redis ${role} accepts writes again`);
    }
    return ok ? "ok" : "degraded";
  }

  return {
    role,
    /** True for a Redis Cluster. */
    isCluster: cluster !== undefined,
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
    /**
     * `ok` while connected, the last write probe passed and no command failed in the last
     * 5 s; else `degraded`. Synchronous for readiness: a read older than 2 s starts the next
     * probe and answers from the last one, so probes never hammer Redis.
     */
    status,
    /** Runs a write probe now and resolves to the status after it. */
    async probe(): Promise<"ok" | "degraded"> {
      if (commands.status === "ready") await runProbe();
      return status();
    },
    async close(): Promise<void> {
      await Promise.all(connections.map((redis) => redis.quit().catch(() => redis.disconnect())));
    },
  };
}

export type RedisClient = ReturnType<typeof createRedisClient>;

/** The part of ioredis 6.0.0's private `ClusterSubscriber` (built/cluster/ClusterSubscriber.js) relied on. */
interface ClusterSubscriberInternals {
  selectSubscriber(): void;
  getInstance(): Redis | null;
}

/**
 * Calls `listener` each time a connection from `subscriber()` is subscribed again after a
 * connection was lost: what was published meanwhile is gone, so a listener that caches what
 * the channel would have invalidated must forget it. The first connection is no loss.
 *
 * A single Redis's connection reconnects itself and emits `ready` again. A Cluster's does
 * not: ioredis 6.0.0 subscribes through one connection to one node (`ClusterSubscriber`),
 * and when that node fails or the connection ends it picks another node and subscribes
 * there (`selectSubscriber`, `onSubscriberEnd`, `-node`) without any event on the `Cluster`,
 * which stays `ready` throughout. Each such new connection is hooked here, so its `ready`
 * reports the loss.
 */
export function onResubscribed(connection: RedisConnection, listener: () => void): void {
  let connectedBefore = false;
  const ready = () => {
    if (connectedBefore) listener();
    connectedBefore = true;
  };
  if (!(connection instanceof Cluster)) {
    connection.on("ready", ready);
    return;
  }
  const internals = (connection as unknown as { subscriber?: ClusterSubscriberInternals })
    .subscriber;
  if (!internals || typeof internals.selectSubscriber !== "function") {
    throw new Error("ioredis Cluster without the ClusterSubscriber this code relies on");
  }
  const watch = (instance: Redis | null) => {
    if (!instance) return;
    if (instance.status === "ready") ready();
    else instance.once("ready", ready);
  };
  const select = internals.selectSubscriber;
  internals.selectSubscriber = function (this: ClusterSubscriberInternals) {
    select.call(this);
    watch(this.getInstance());
  };
  watch(internals.getInstance());
}
