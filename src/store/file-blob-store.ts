import { randomBytes } from "node:crypto";
import { access, link, mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { assertBlobHash, isSha256Hex } from "./blob-hash.ts";
import type { BlobStore } from "./blob-store.ts";

/** Options for {@link createFileBlobStore}. */
export interface FileBlobStoreOptions {
  /** Root directory (e.g. `<JURIST_DATA_DIR>/blobs`); created on the first put. */
  dir: string;
}

/** Where the blob `sha256` lives under `dir`: `<dir>/ab/cd/<sha256>` (the trainer reads it there). */
export function blobFilePath(dir: string, sha256: string): string {
  return join(dir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
}

const isCode = (error: unknown, code: string) => (error as NodeJS.ErrnoException)?.code === code;

/**
 * The blob store on a local directory: `<dir>/ab/cd/<sha256>`, two levels of fan-out so no
 * directory grows past 65,536 entries per level. A blob is written to a temp file, synced, then
 * hard-linked into place, so readers never see a partial blob and, of concurrent writers (other
 * processes included), exactly one reports a new write. Puts refuse bytes whose SHA-256 is not
 * the name (BlobHashMismatchError); I/O errors reject. A crash can leave a `*.tmp` file beside
 * a blob, never a truncated blob.
 */
export function createFileBlobStore(options: FileBlobStoreOptions): BlobStore {
  const inFlight = new Map<string, Promise<boolean>>();
  const pathOf = (sha256: string) => blobFilePath(options.dir, sha256);

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

  async function write(sha256: string, bytes: Uint8Array): Promise<boolean> {
    const target = pathOf(sha256);
    if (await exists(target)) return false;
    await mkdir(dirname(target), { recursive: true });
    const temp = `${target}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      await writeSynced(temp, bytes);
      return await moveIntoPlace(temp, target);
    } finally {
      await rm(temp, { force: true });
    }
  }

  return {
    async put(sha256, bytes) {
      assertBlobHash(sha256, bytes);
      const pending = inFlight.get(sha256);
      if (pending) return pending.then(() => false);
      const writing = write(sha256, bytes).finally(() => inFlight.delete(sha256));
      inFlight.set(sha256, writing);
      return writing;
    },
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
  };
}
