import { Gauge } from "prom-client";
import { replicaId } from "../engine/replica-id.ts";
import type { LabelledCounter } from "./labelled-metrics.ts";
import type { YieldingRegistry } from "./yielding-registry.ts";

/** One replica as the fleet gauges show it; read on every scrape. */
export interface FleetGaugeSnapshot {
  /** Base URL of the replica; the `replica` label is its id (r-…, never the URL: /metrics is open). */
  url: string;
  healthy: boolean;
  /** Taken out of rotation by outlier ejection. */
  ejected: boolean;
  /** Gateway requests currently open against the replica. */
  inFlight: number;
  /** The engine's own running requests (vLLM `num_requests_running`). */
  running: number;
  /** The engine's own queued requests (vLLM `num_requests_waiting`). */
  waiting: number;
}

/**
 * The per-replica gauges, read from the fleet's snapshots on every scrape. Each is reset
 * first, so a replica that left the fleet disappears from the output. `zeroPerReplica`
 * counters get every current replica at 0 (an increment of 0 changes no value).
 */
export function createFleetGauges(
  registry: YieldingRegistry,
  zeroPerReplica: readonly LabelledCounter<{ replica: string }>[] = [],
) {
  const registers = [registry];
  let source: () => readonly FleetGaugeSnapshot[] = () => [];
  // One read per scrape for every family: the snapshot stays consistent across them and is
  // copied once, not five times.
  const read = registry.perScrape(() => source());
  const perReplica = (name: string, help: string, value: (replica: FleetGaugeSnapshot) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["replica"],
      registers,
      collect() {
        this.reset();
        for (const replica of read()) this.set({ replica: replicaId(replica.url) }, value(replica));
      },
    });

  perReplica("jurist_replica_healthy", "1 if the replica's last health poll passed", (r) =>
    r.healthy ? 1 : 0,
  );
  perReplica("jurist_replica_ejected", "1 if the replica is ejected from rotation", (r) =>
    r.ejected ? 1 : 0,
  );
  perReplica(
    "jurist_replica_in_flight",
    "Gateway requests open against the replica",
    (r) => r.inFlight,
  );
  new Gauge({
    name: "jurist_replica_engine_requests",
    help: "Requests inside the replica's engine as last polled, by state",
    labelNames: ["replica", "state"],
    registers,
    collect() {
      this.reset();
      for (const replica of read()) {
        const id = replicaId(replica.url);
        this.set({ replica: id, state: "running" }, replica.running);
        this.set({ replica: id, state: "waiting" }, replica.waiting);
      }
    },
  });
  new Gauge({
    name: "jurist_replicas",
    help: "Replicas currently in the fleet",
    registers,
    collect() {
      this.set(read().length);
    },
  });

  // The replicas zero-filled last time: one that left has its series removed, as the gauges
  // drop it, so DNS churn does not grow the exposition without bound.
  let filled = new Set<string>();
  function zeroFill(replicas: readonly FleetGaugeSnapshot[]): void {
    if (zeroPerReplica.length === 0) return;
    const now = new Set(replicas.map((replica) => replicaId(replica.url)));
    for (const counter of zeroPerReplica) {
      for (const id of filled) if (!now.has(id)) counter.remove({ replica: id });
      for (const id of now) counter.inc({ replica: id }, 0);
    }
    filled = now;
  }
  // Before any family is read: the counters are serialised before these gauges' collect runs.
  registry.beforeScrape(() => zeroFill(read()));

  /** Makes the gauges read `next` on every scrape; a later call replaces the source. */
  return (next: () => readonly FleetGaugeSnapshot[]): void => {
    source = next;
  };
}
