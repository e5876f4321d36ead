import type { PriorityClass } from "../core/types.ts";
import { batchSlots } from "./class-admission.ts";

/**
 * How many calls one gateway keeps in flight per replica, pure. A replica runs at most its
 * vLLM `--max-num-seqs` requests at once, whoever sends them; every gateway that can see it
 * takes an equal part of a share of that, so the fleet's gateways together admit no more than
 * the share, however many there are (before issue 20, each admitted a fixed 128, 2,560 per
 * replica at 20 gateways).
 */
export interface CapacitySettings {
  /** The replicas' `--max-num-seqs`: requests one replica runs at once. */
  maxNumSeqs: number;
  /** Share of `maxNumSeqs` the gateways admit together (1: exactly what the replica runs). */
  share: number;
  /** This gateway's own cap per replica (`JURIST_REPLICA_MAX_CONCURRENCY`); undefined → none. */
  cap?: number | undefined;
}

/**
 * ⌊share × maxNumSeqs ÷ gateways⌋, never above the cap and never below 1 (a gateway that
 * admits nothing could serve nothing). Rounding down keeps the gateways' sum within the share.
 * `gateways` below 1 (none counted yet) counts this gateway alone.
 */
export function perReplicaLimit(settings: CapacitySettings, gateways: number): number {
  const peers = Math.max(1, Math.floor(gateways));
  // The epsilon keeps e.g. 1.1 × 100 = 110.00000000000001 from rounding the wrong way.
  const share = Math.floor((settings.share * settings.maxNumSeqs) / peers + 1e-9);
  return Math.max(1, Math.min(settings.cap ?? Number.POSITIVE_INFINITY, share));
}

/**
 * Slots of a per-replica limit a call of `priority` may hold while interactive traffic is
 * about: every slot for interactive calls, the part outside the interactive reserve for batch
 * ones (see `batchSlots`). With priority classes off, every slot for both.
 */
export function classSlots(
  limit: number,
  priority: PriorityClass,
  classes: { enabled: boolean; interactiveReserve: number },
): number {
  if (!classes.enabled || priority === "interactive") return limit;
  return batchSlots(limit, classes.interactiveReserve);
}
