import { createAtomicJsonFile } from "./atomic-json-file.ts";
import type { KeyRecord, KeyStore, RevocationListener } from "./key-store.ts";
import {
  compareKeyRecords,
  isKeyHash,
  keyConflict,
  toStoredKeyRecord,
} from "./stored-key-record.ts";

export interface MemoryKeyStoreOptions {
  /**
   * A JSON file to keep the keys in (e.g. `<JURIST_DATA_DIR>/keys.json`), read at creation and
   * rewritten atomically on every change. Other processes may change it too (`jurist keys
   * create`): each lookup first checks, with one `stat`, whether the file changed and reloads
   * it, so new and revoked keys take effect without a restart. Omitted: keys live in memory.
   */
  file?: string;
}

/** The key file's layout. */
interface KeyFile {
  keys: KeyRecord[];
}

type Change<R> = (keys: Map<string, KeyRecord>) => { result: R; changed: boolean };

/**
 * The API key store of a single gateway, keyed by hash. Throws at creation when the file is
 * not valid JSON or holds a malformed record, rather than starting with no keys. `onRevoked`
 * hears revocations made through this instance only: another process revoking in the file
 * (`jurist keys revoke`) is seen at the next lookup, which is why the gateway does not cache
 * keys read from this store.
 */
export function createMemoryKeyStore(options: MemoryKeyStoreOptions = {}): KeyStore {
  const file = options.file ? createAtomicJsonFile<KeyFile>({ path: options.file }) : null;
  let byHash = new Map<string, KeyRecord>();
  const revocationListeners = new Set<RevocationListener>();

  function adopt(document: KeyFile | null): void {
    const records = (document?.keys ?? []).map(toStoredKeyRecord);
    byHash = new Map(records.map((record) => [record.hash, record]));
  }

  async function refresh(): Promise<void> {
    const document = await file?.readIfChanged();
    if (document !== undefined) adopt(document);
  }

  async function mutate<R>(change: Change<R>): Promise<R> {
    if (!file) return change(byHash).result;
    // Reload, change a copy, write, then adopt it: a failed write leaves memory as the file is.
    return file.exclusive(async () => {
      await refresh();
      const next = new Map(byHash);
      const { result, changed } = change(next);
      if (changed) await file.write({ keys: [...next.values()].sort(compareKeyRecords) });
      byHash = next;
      return result;
    });
  }

  adopt(file?.readNow() ?? null);

  return {
    async add(record) {
      const stored = toStoredKeyRecord(record);
      await mutate((keys) => {
        const taken = keys.has(stored.hash) || [...keys.values()].some((k) => k.id === stored.id);
        if (taken) throw keyConflict(stored.id);
        keys.set(stored.hash, stored);
        return { result: undefined, changed: true };
      });
    },
    async findByHash(hash) {
      if (!isKeyHash(hash)) return null;
      await refresh();
      const record = byHash.get(hash);
      return record ? { ...record } : null;
    },
    async list() {
      await refresh();
      return [...byHash.values()].sort(compareKeyRecords).map((record) => ({ ...record }));
    },
    async revoke(id) {
      const revoked = await mutate((keys) => {
        const record = [...keys.values()].find((k) => k.id === id);
        if (record) keys.delete(record.hash);
        return { result: record?.hash ?? null, changed: record !== undefined };
      });
      if (revoked === null) return false;
      for (const listener of revocationListeners) listener(revoked);
      return true;
    },
    async hasAny() {
      await refresh();
      return byHash.size > 0;
    },
    onRevoked(listener) {
      revocationListeners.add(listener);
      return () => revocationListeners.delete(listener);
    },
  };
}
