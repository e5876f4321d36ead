/** What an API key may do: `judge` calls the judging API, `admin` also the admin API. */
export type KeyScope = "judge" | "admin";

/** A stored API key. The plain key is never stored: only its SHA-256. */
export interface KeyRecord {
  /** Public identifier (`key_…`), safe to log and show. */
  id: string;
  tenant: string;
  scope: KeyScope;
  /** Lower-case hex SHA-256 of the plain key. */
  hash: string;
  /** Creation time, epoch ms. */
  created: number;
}

/** The API key store port. */
export interface KeyStore {
  /** Stores a new record (its `hash` computed by the caller from a fresh plain key). */
  add(record: KeyRecord): Promise<void>;
  /** The record whose hash is `hash`, or null. Throws when the backing store is unreachable. */
  findByHash(hash: string): Promise<KeyRecord | null>;
  list(): Promise<KeyRecord[]>;
  /** Deletes the key with this id; false when there was none. */
  revoke(id: string): Promise<boolean>;
  /** Whether any key exists. Throws when the backing store is unreachable. */
  hasAny(): Promise<boolean>;
  /**
   * Calls `listener` with the hash of every key revoked from now on, by any process that shares
   * the store (as far as the store can tell), so caches of validated keys can forget it at once.
   * `null` means revocations may have been missed (a lost subscription came back): forget every
   * key. Returns an unsubscribe.
   */
  onRevoked(listener: RevocationListener): () => void;
}

/** Hears a revoked key's hash, or `null` for "forget every key". */
export type RevocationListener = (hash: string | null) => void;
