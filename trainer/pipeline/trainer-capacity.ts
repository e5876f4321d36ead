import type { PrioritySettings, ReplicaSnapshot } from "../../src/engine/fleet-types.ts";
import { classSlots } from "../../src/engine/replica-capacity.ts";

/** `JURIST_TRAIN_CONCURRENCY`: `auto` follows the fleet alone; a number caps what it gives. */
export type TrainerConcurrencySetting = "auto" | number;

/** Never more calls in flight than this, whatever the fleet offers (a sanity bound). */
export const AUTO_CONCURRENCY_CEILING = 4_096;

/**
 * Slots of one replica the trainer's calls may hold: the slots its class (`batch`) is admitted
 * to. With priority classes on that is the replica's limit less the interactive reserve, even
 * in a trainer process that sees no interactive traffic of its own (admission would lend it the
 * reserve): the reserve then stays free on the replica for the gateways' interactive calls,
 * which this process cannot see. `maxInFlight` is the trainer fleet's own part of the
 * replica: a standalone trainer counts among the gateways' peers (open-trainer-env.ts), so it
 * is ⌊share × max-num-seqs ÷ peers⌋ and follows every count (`setMaxInFlightPerReplica`); the
 * embedded trainer uses its gateway's fleet and so shares that gateway's part.
 */
export function trainerSlotsPerReplica(
  replica: Pick<ReplicaSnapshot, "maxInFlight">,
  priority: Pick<PrioritySettings, "enabled" | "interactiveReserve">,
): number {
  return classSlots(replica.maxInFlight, "batch", priority);
}

/** The trainer's slots over the replicas that could take a call for `checkpoint` now. */
export function fleetTrainerSlots(
  replicas: readonly ReplicaSnapshot[],
  checkpoint: string,
  priority: Pick<PrioritySettings, "enabled" | "interactiveReserve">,
): number {
  let slots = 0;
  for (const replica of replicas) {
    if (!replica.healthy || replica.ejected) continue;
    if (!replica.models.some((model) => model.id === checkpoint)) continue;
    slots += trainerSlotsPerReplica(replica, priority);
  }
  return slots;
}

/** What the limit is read from: the fleet's replicas as its pollers last saw them. */
export interface CapacitySource {
  snapshots(): ReplicaSnapshot[];
}

/**
 * Engine calls the trainer may keep in flight for `checkpoint`, read afresh on every call:
 * the fleet's slots for the trainer's class, at most the setting's cap, at least one (with no
 * replica serving the checkpoint one call goes and fails or waits, as a fixed limit would).
 */
export function trainerCallLimit(
  fleet: CapacitySource,
  priority: Pick<PrioritySettings, "enabled" | "interactiveReserve">,
  setting: TrainerConcurrencySetting,
): (checkpoint: string) => number {
  const cap = setting === "auto" ? AUTO_CONCURRENCY_CEILING : setting;
  return (checkpoint) =>
    Math.max(1, Math.min(cap, fleetTrainerSlots(fleet.snapshots(), checkpoint, priority)));
}
