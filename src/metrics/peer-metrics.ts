import { Counter, Gauge, type Registry } from "prom-client";
import { PRIORITY_CLASSES } from "../core/priority-class.ts";
import type { PriorityClass } from "../core/types.ts";

/** What the peer gauges read on every scrape. */
export interface PeerSource {
  /** Gateways counted sharing the replicas, this one included. */
  gateways(): number;
  /** Engine calls this gateway admits per replica now for a call of `priority`. */
  limit(priority: PriorityClass): number;
}

/**
 * `jurist_gateway_peers`, `jurist_replica_admission_limit{class}` and
 * `jurist_gateway_peers_failures_total`: how many peers (gateways, and a standalone trainer or
 * evaluation) this process divides each replica's
 * capacity by, what that leaves it, and how often the count could not be read (the last known
 * one stays in use, so a rising counter with a flat gauge is an outage, not a quiet fleet).
 */
export function createPeerMetrics(registers: Registry[]) {
  let source: PeerSource = { gateways: () => 1, limit: () => 0 };
  new Gauge({
    name: "jurist_gateway_peers",
    help: "Peers this process counts sharing the replicas (gateways, and a standalone trainer or jurist eval), itself included; each replica's capacity is divided by it",
    registers,
    collect() {
      this.set(source.gateways());
    },
  });
  new Gauge({
    name: "jurist_replica_admission_limit",
    help: "Engine calls this process admits per replica now, by priority class (batch: outside the interactive reserve)",
    labelNames: ["class"],
    registers,
    collect() {
      for (const priority of PRIORITY_CLASSES) {
        this.set({ class: priority }, source.limit(priority));
      }
    },
  });
  const failures = new Counter({
    name: "jurist_gateway_peers_failures_total",
    help: "Counts of the gateways that failed (state Redis or DNS unreachable); the last known count stays in use",
    registers,
  });
  return {
    failures,
    /** Makes the gauges read `next` on every scrape; a later call replaces the source. */
    observe(next: PeerSource): void {
      source = next;
    },
  };
}
