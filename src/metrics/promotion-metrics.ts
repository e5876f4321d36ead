import { Gauge, type Registry } from "prom-client";
import { replicaId } from "../engine/replica-id.ts";
import type { PromotionObserver } from "../registry/promotion.ts";
import { counter } from "./labelled-metrics.ts";

/** What the missing-champion gauge reads on every scrape. */
export interface ChampionCoverage {
  /** Every replica the fleet knows, by URL (each gets a series, 0 when it is not missing). */
  replicas: readonly string[];
  /** Healthy replicas that could not be made to serve the LoRA champion (promotion's `missingChampion`). */
  missing: readonly string[];
}

/**
 * Promotion by quorum switches the champion without the replicas that could not load it:
 * `jurist_promotion_load_failures_total{replica}` counts every refused (or timed-out) adapter
 * load, of promotion, rollback and reconcile; `jurist_replica_missing_champion{replica}` is 1
 * for a healthy replica that still does not serve the LoRA champion after this gateway tried,
 * which the alert JuristReplicaMissingChampion watches. Replicas by id (r-…), never by URL.
 */
export function createPromotionMetrics(registers: Registry[]) {
  let source: () => ChampionCoverage = () => ({ replicas: [], missing: [] });
  const loadFailures = counter<{ replica: string }>({
    name: "jurist_promotion_load_failures_total",
    help: "Adapter loads a replica refused or did not answer in time (promotion, rollback, reconcile), by replica",
    labelNames: ["replica"],
    registers,
  });
  new Gauge({
    name: "jurist_replica_missing_champion",
    help: "1 for a healthy replica that does not serve the LoRA champion although this gateway tried to load it there",
    labelNames: ["replica"],
    registers,
    collect() {
      this.reset();
      const { replicas, missing } = source();
      const lacking = new Set(missing);
      for (const url of replicas) this.set({ replica: replicaId(url) }, lacking.has(url) ? 1 : 0);
    },
  });
  return {
    loadFailures,
    /** The observer promotion reports to. */
    observer: {
      loadFailed: (replica: string) => loadFailures.inc({ replica: replicaId(replica) }),
    } satisfies PromotionObserver,
    /** Makes the gauge read `next` on every scrape; a later call replaces the source. */
    observeCoverage(next: () => ChampionCoverage): void {
      source = next;
    },
  };
}
