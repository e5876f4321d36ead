import { AppError } from "../core/errors.ts";
import type { ChampionChange, CheckpointRecord, CheckpointStatus } from "./checkpoint-registry.ts";

/** Champion changes kept in history; older ones are dropped. */
export const HISTORY_LIMIT = 1_000;

/** The record as stored: only the declared fields, so both adapters keep the same data. */
export function toStoredCheckpointRecord(record: CheckpointRecord): CheckpointRecord {
  const { id, kind, baseModel, uri, parent, created, status, gateReport, gateSummary } = record;
  const stored: CheckpointRecord = {
    id,
    kind,
    baseModel,
    uri,
    parent,
    created,
    status,
    gateReport,
  };
  // Lineage fields only when set, so records that predate them read back unchanged.
  if (record.init !== undefined) stored.init = record.init;
  if (record.judge !== undefined) stored.judge = record.judge;
  return gateSummary ? { ...stored, gateSummary } : stored;
}

/** Oldest first, then by id, so both adapters list in the same order. */
export function compareCheckpointRecords(a: CheckpointRecord, b: CheckpointRecord): number {
  return a.created - b.created || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Where a rollback from `champion` goes: the `from` of the newest *promote* entry that made
 * it champion; null when there is none (or it was the first champion). Rollback entries are
 * recorded but never chosen, so rollbacks walk back along the promotion chain (C → B → A)
 * instead of toggling between the last two champions; a checkpoint promoted several times is
 * judged by its newest promotion. The Redis adapter's Lua script mirrors this.
 */
export function rollbackTarget(history: readonly ChampionChange[], champion: string) {
  const promotion = history.find((change) => change.action === "promote" && change.to === champion);
  return promotion?.from ?? null;
}

/**
 * Checks a `setStatus` call: the champion's status is owned by promote and rollback, so
 * `champion` may be set only on the current champion (e.g. to attach a gate report) and the
 * current champion may not be given another status. Throws AppError NOT_FOUND or CONFLICT.
 */
export function checkStatusChange(
  id: string,
  status: CheckpointStatus,
  known: boolean,
  champion: string | null,
): void {
  if (!known) throw unknownCheckpoint(id);
  if ((status === "champion") !== (id === champion)) throw championStatusConflict(id);
}

/** What `setStatus` throws when it would change who is champion. */
export function championStatusConflict(id: string): AppError {
  return new AppError(
    "CONFLICT",
    `checkpoint ${id}: the champion changes only through promote or rollback`,
  );
}

/** What the registry throws for an id it does not hold. */
export function unknownCheckpoint(id: string): AppError {
  return new AppError("NOT_FOUND", `checkpoint ${id} is not registered`);
}
