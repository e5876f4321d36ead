import type { Logger } from "pino";
import type { ReplicaFleet } from "../engine/replica-fleet.ts";
import { replicaId } from "../engine/replica-id.ts";

export interface ReplicaLogOptions {
  fleet: Pick<ReplicaFleet, "snapshots">;
  logger: Logger;
  /** How often the fleet is looked at, ms (the health poll interval). */
  intervalMs: number;
  /** Least time between two error lines for one replica, ms. */
  minErrorIntervalMs?: number;
}

/**
 * What `/readyz` and `/metrics` no longer show goes to the log: each replica's id beside its
 * URL when it is first seen (so an operator can map `r-…` back), and its health poll's error
 * text when it changes — at most once per `minErrorIntervalMs` per replica, so a replica
 * failing with a different message each poll does not flood the log.
 */
export function logReplicaErrors(options: ReplicaLogOptions) {
  const minInterval = options.minErrorIntervalMs ?? 60_000;
  const known = new Map<string, { error: string | null; loggedAt: number }>();

  function look(): void {
    const now = Date.now();
    const present = new Set<string>();
    for (const replica of options.fleet.snapshots()) {
      present.add(replica.url);
      const id = replicaId(replica.url);
      let seen = known.get(replica.url);
      if (!seen) {
        seen = { error: null, loggedAt: -Infinity };
        known.set(replica.url, seen);
        options.logger.info({ replica: replica.url, replica_id: id }, "replica joined");
      }
      const error = replica.lastError;
      if (error === null) {
        seen.error = null;
        continue;
      }
      if (error === seen.error || now - seen.loggedAt < minInterval) continue;
      seen.error = error;
      seen.loggedAt = now;
      options.logger.warn({ replica: replica.url, replica_id: id, error }, "replica poll failed");
    }
    for (const url of known.keys()) if (!present.has(url)) known.delete(url);
  }

  look();
  const timer = setInterval(look, options.intervalMs);
  timer.unref();
  return {
    /** Looks now (tests; the timer does it every interval). */
    look,
    stop: () => clearInterval(timer),
  };
}
