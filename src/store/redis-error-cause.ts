/**
 * Why a Redis command failed, as a bounded label: the metric `jurist_redis_errors_total` and
 * the once-per-cause log line use it.
 *
 * - `oom`: the server is at `maxmemory` with `noeviction` (or the keys written cannot be
 *   evicted): `OOM command not allowed when used memory > 'maxmemory'`.
 * - `crossslot`: a multi-key command or script whose keys hash to different Cluster slots —
 *   a bug in Jurist's key layout, never a transient state.
 * - `readonly`: written to a replica (a failover the client has not seen yet, or a URL that
 *   points at a replica).
 * - `redirections`: ioredis gave up following MOVED/ASK/TRYAGAIN (`maxRedirections`, 16 by
 *   default) — the Cluster kept moving slots for longer than the client would follow.
 * - `cluster_down`: `CLUSTERDOWN`: some slot has no master.
 * - `connection`: no connection (refused, closed, not writable, no reachable seed node).
 * - `timeout`: the command outlived the client's command timeout.
 * - `other`: anything else (a script error, a wrong type).
 */
export type RedisErrorCause =
  | "oom"
  | "crossslot"
  | "readonly"
  | "redirections"
  | "cluster_down"
  | "connection"
  | "timeout"
  | "other";

export const REDIS_ERROR_CAUSES: readonly RedisErrorCause[] = [
  "oom",
  "crossslot",
  "readonly",
  "redirections",
  "cluster_down",
  "connection",
  "timeout",
  "other",
];

/**
 * Replies a caller or ioredis handles as part of normal work: redirections ioredis follows
 * (only exhausting them is a failure), the consumer group that exists already or must be
 * created again, and the script cache miss ioredis answers with EVAL.
 */
const HANDLED = /^(MOVED|ASK|TRYAGAIN|BUSYGROUP|NOGROUP|NOSCRIPT)\b/;

const CONNECTION =
  /Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|EPIPE|ENOTFOUND|EHOSTUNREACH|MaxRetriesPerRequest|max retries per request|Cluster is ended|None of startup nodes is available|Failed to refresh slots cache|enableOfflineQueue|No subscriber for the cluster/i;

/** The cause of a failed command; null for replies that are part of normal work. */
export function redisErrorCause(error: unknown): RedisErrorCause | null {
  const message = error instanceof Error ? error.message : String(error);
  if (HANDLED.test(message)) return null;
  if (/Too many Cluster redirections/.test(message)) return "redirections";
  if (/^OOM\b|\bOOM command not allowed/.test(message)) return "oom";
  if (/^CROSSSLOT\b|CROSSSLOT|All (the )?keys in the pipeline/.test(message)) return "crossslot";
  if (/^READONLY\b|READONLY You can't write/.test(message)) return "readonly";
  if (/^CLUSTERDOWN\b/.test(message)) return "cluster_down";
  if (/Command timed out/i.test(message)) return "timeout";
  if (CONNECTION.test(message)) return "connection";
  return "other";
}
