import { AppError } from "../core/errors.ts";
import type { KeyRecord } from "./key-store.ts";

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Whether `hash` is a lower-case hex SHA-256, the only form a key is stored or looked up in. */
export function isKeyHash(hash: string): boolean {
  return SHA256_HEX.test(hash);
}

/**
 * The record as stored: only the declared fields, so a plain key riding along on the object
 * is never written, and a `hash` that is not a SHA-256 (a plain key passed by mistake) throws
 * TypeError instead of being stored.
 */
export function toStoredKeyRecord(record: KeyRecord): KeyRecord {
  if (!isKeyHash(record.hash)) throw new TypeError("a key record's hash must be a hex SHA-256");
  const { id, tenant, scope, hash, created } = record;
  return { id, tenant, scope, hash, created };
}

/** Oldest first, then by id, so both adapters list in the same order. */
export function compareKeyRecords(a: KeyRecord, b: KeyRecord): number {
  return a.created - b.created || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** What `KeyStore.add` throws when the id or the hash is already stored. */
export function keyConflict(id: string): AppError {
  return new AppError("CONFLICT", `an API key with id ${id} or the same hash already exists`);
}
