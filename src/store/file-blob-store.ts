import { randomBytes } from "node:crypto";
import {
  access,
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
  utimes,
} from "node:fs/promises";
import { dirname, join } from "node:path";
import { isSha256Hex } from "./blob-hash.ts";
import { type BlobStore, BlobStoreFullError } from "./blob-store.ts";
import { sharedPuts } from "./shared-puts.ts";

/** Options for {@link createFileBlobStore}. */
export interface FileBlobStoreOptions {
  /** Root directory (e.g. `<JURIST_DATA_DIR>/blobs`); created on the first put. */
  dir: string;
  /** A blob not put for this long is deleted by the sweep, ms; 0 (default) keeps blobs. */
  ttlMs?: number;
  /** Bytes the store may hold; a new blob past it is refused (BlobStoreFullError). 0: none. */
  maxBytes?: number;
  /** How often one of the 256 top-level directories is swept, ms. Default 60,000. */
  sweepIntervalMs?: number;
  /** The clock, for tests. */
  now?: () => number;
}

/** A file blob store, with its sweep exposed for the tests and the trainer's mirror. */
export interface FileBlobStore extends BlobStore {
  /** Sweeps the next `shards` of the 256 top-level directories; resolves to blobs deleted. */
  sweep(shards?: number): Promise<number>;
  /** Bytes held, as far as puts and sweeps have measured (exact once a full round has run). */
  bytes(): Promise<number>;
}

/** Where the blob `sha256` lives under `dir`: `<dir>/ab/cd/<sha256>` (the trainer reads it there). */
export function blobFilePath(dir: string, sha256: string): string {
  return join(dir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
}

const SHARDS = 256;
/** A temp file older than this was left by a crash mid-write, and is swept. */
const STALE_TEMP_MS = 3_600_000;

const isCode = (error: unknown, code: string) => (error as NodeJS.ErrnoException)?.code === code;
const shardOf = (sha256: string) => Number.parseInt(sha256.slice(0, 2), 16);
const shardName = (shard: number) => shard.toString(16).padStart(2, "0");

async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    if (isCode(error, "ENOENT")) return [];
    throw error;
  }
}

/**
 * The blob store on a local directory: `<dir>/ab/cd/<sha256>`, two levels of fan-out so no
 * directory grows past 65,536 entries per level. A blob is written to a temp file, synced, then
 * hard-linked into place, so readers never see a partial blob and, of concurrent writers (other
 * processes included), exactly one reports a new write. Puts refuse bytes whose SHA-256 is not
 * the name (BlobHashMismatchError); I/O errors reject. A crash can leave a `*.tmp` file beside
 * a blob, never a truncated blob.
 *
 * Expiry and bound, for one host: a put of a blob already there sets its mtime to now, so a
 * blob's mtime is its last reference; a timer sweeps one of the 256 top-level directories per
 * `sweepIntervalMs` (bounded work per tick, a full round every 256 ticks), deleting blobs whose
 * mtime is older than `ttlMs` and measuring the bytes that stay. With `maxBytes` a new blob that
 * would pass it is refused with BlobStoreFullError rather than evicting an older one, which an
 * unconsumed prompt may still reference; room comes back as blobs expire.
 */
export function createFileBlobStore(options: FileBlobStoreOptions): FileBlobStore {
  const ttlMs = options.ttlMs ?? 0;
  const maxBytes = options.maxBytes ?? 0;
  const now = options.now ?? Date.now;
  // Concurrent puts of one blob share one write (`write` below, hoisted).
  const puts = sharedPuts(write);
  /** Blobs put while a sweep runs: it must not delete one it stat'ed before the put. */
  const putDuringSweep = new Set<string>();
  let sweeping = false;
  const pathOf = (sha256: string) => blobFilePath(options.dir, sha256);
  /** Bytes per top-level directory; null until measured (a sweep, or the first bounded put). */
  const shardBytes: (number | null)[] = new Array(SHARDS).fill(null);
  let nextShard = 0;
  const addBytes = (sha256: string, delta: number) => {
    const shard = shardOf(sha256);
    const measured = shardBytes[shard];
    if (measured !== null && measured !== undefined) shardBytes[shard] = measured + delta;
  };
  let measuring: Promise<void> | null = null;

  async function exists(path: string): Promise<boolean> {
    try {
      await access(path);
      return true;
    } catch (error) {
      if (isCode(error, "ENOENT")) return false;
      throw error;
    }
  }

  async function writeSynced(path: string, bytes: Uint8Array): Promise<void> {
    const handle = await open(path, "wx");
    try {
      await handle.writeFile(bytes);
      // The store's clock, not the file system's, dates the blob (the sweep reads it back).
      const at = new Date(now());
      await handle.utimes(at, at);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  // link() never replaces an existing name, which is what makes "newly written" exact;
  // filesystems without hard links fall back to rename(), atomic but last-writer-wins.
  async function moveIntoPlace(temp: string, target: string): Promise<boolean> {
    try {
      await link(temp, target);
      return true;
    } catch (error) {
      if (isCode(error, "EEXIST")) return false;
      if (!["EPERM", "ENOTSUP", "ENOSYS", "EOPNOTSUPP"].some((code) => isCode(error, code))) {
        throw error;
      }
      await rename(temp, target);
      return true;
    }
  }

  /** Restarts an existing blob's age; false when it is not there (swept, or never written). */
  async function touch(path: string): Promise<boolean> {
    const at = new Date(now());
    try {
      await utimes(path, at, at);
      return true;
    } catch (error) {
      if (isCode(error, "ENOENT")) return false;
      throw error;
    }
  }

  /** Sweeps one top-level directory: deletes what expired (or `expired` says), measures the rest. */
  async function sweepShard(
    shard: number,
    expired: (sha256: string, mtimeMs: number) => boolean,
  ): Promise<number> {
    const top = join(options.dir, shardName(shard));
    let deleted = 0;
    let bytes = 0;
    for (const second of await listDir(top)) {
      for (const name of await listDir(join(top, second))) {
        const path = join(top, second, name);
        const info = await stat(path).catch(() => null);
        if (!info) continue;
        if (name.endsWith(".tmp")) {
          if (now() - info.mtimeMs > STALE_TEMP_MS) await rm(path, { force: true });
          continue;
        }
        if (expired(name, info.mtimeMs) && !putDuringSweep.has(name) && !puts.writing(name)) {
          await rm(path, { force: true });
          deleted++;
        } else {
          bytes += info.size;
        }
      }
    }
    shardBytes[shard] = bytes;
    return deleted;
  }

  const expiredByTtl = (_sha256: string, mtimeMs: number) => ttlMs > 0 && now() - mtimeMs > ttlMs;

  async function measureAll(): Promise<void> {
    for (let shard = 0; shard < SHARDS; shard++) {
      if (shardBytes[shard] === null) await sweepShard(shard, () => false);
    }
  }

  async function held(): Promise<number> {
    // A failed measurement is not kept: the next put measures again (the shards measured so
    // far stay), where a kept rejection would refuse every new blob until a restart.
    measuring ??= measureAll().catch((error: unknown) => {
      measuring = null;
      throw error;
    });
    await measuring;
    return shardBytes.reduce<number>((sum, bytes) => sum + (bytes ?? 0), 0);
  }

  async function write(sha256: string, bytes: Uint8Array): Promise<boolean> {
    const target = pathOf(sha256);
    if (sweeping) putDuringSweep.add(sha256);
    if (await touch(target)) return false;
    if (maxBytes > 0 && (await held()) + bytes.length > maxBytes) {
      throw new BlobStoreFullError(maxBytes);
    }
    await mkdir(dirname(target), { recursive: true });
    const temp = `${target}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      await writeSynced(temp, bytes);
      const written = await moveIntoPlace(temp, target);
      if (written) addBytes(sha256, bytes.length);
      return written;
    } finally {
      await rm(temp, { force: true });
    }
  }

  async function sweep(shards = 1): Promise<number> {
    sweeping = true;
    let deleted = 0;
    try {
      for (let i = 0; i < shards; i++) {
        deleted += await sweepShard(nextShard, expiredByTtl);
        nextShard = (nextShard + 1) % SHARDS;
      }
    } finally {
      sweeping = false;
      putDuringSweep.clear();
    }
    return deleted;
  }

  let running: Promise<unknown> | null = null;
  const timer =
    ttlMs > 0 || maxBytes > 0
      ? setInterval(() => {
          running ??= sweep()
            .catch(() => {})
            .finally(() => {
              running = null;
            });
        }, options.sweepIntervalMs ?? 60_000)
      : null;
  timer?.unref();

  return {
    put: puts.put,
    async get(sha256) {
      if (!isSha256Hex(sha256)) return null;
      try {
        return await readFile(pathOf(sha256));
      } catch (error) {
        if (isCode(error, "ENOENT")) return null;
        throw error;
      }
    },
    async has(sha256) {
      return isSha256Hex(sha256) && exists(pathOf(sha256));
    },
    async deleteUnusedSince(hashes, cutoff) {
      let deleted = 0;
      for (const sha256 of new Set(hashes)) {
        if (!isSha256Hex(sha256) || puts.writing(sha256)) continue;
        const info = await stat(pathOf(sha256)).catch(() => null);
        if (!info || info.mtimeMs >= cutoff.getTime()) continue;
        try {
          await unlink(pathOf(sha256));
          deleted++;
          addBytes(sha256, -info.size);
        } catch (error) {
          if (!isCode(error, "ENOENT")) throw error;
        }
      }
      return deleted;
    },
    sweep,
    bytes: held,
    async close() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
