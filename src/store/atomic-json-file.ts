import { randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";

export interface AtomicJsonFileOptions {
  path: string;
  /** Mode of the file when created (default 0o600: key hashes and registry state are private). */
  mode?: number;
}

/** One version of the file: every write renames a new inode into place with a new mtime. */
function versionOf(info: { ino: number; size: number; mtimeMs: number }): string {
  return `${info.ino}:${info.size}:${info.mtimeMs}`;
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === "ENOENT";
}

/**
 * A JSON document in one file that another process may also rewrite (e.g. `jurist keys create`
 * while the gateway runs). A write goes to a temporary file, is fsynced and renamed over the
 * target, so no reader ever sees half a document. There is no lock across processes: two
 * processes writing at the same instant can lose one change, acceptable for admin data that
 * changes a few times a day. Throws on a file that is not JSON rather than starting empty.
 */
export function createAtomicJsonFile<T>(options: AtomicJsonFileOptions) {
  const { path } = options;
  let seen: string | null = null;
  let queue: Promise<unknown> = Promise.resolve();

  function parse(text: string): T {
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new Error(`${path} is not valid JSON`, { cause: error });
    }
  }

  return {
    path,
    /** The document, or null when there is no file yet. Synchronous, for start-up. */
    readNow(): T | null {
      try {
        // Stat before reading: if the file is replaced in between, the next check re-reads.
        const version = versionOf(statSync(path));
        const value = parse(readFileSync(path, "utf8"));
        seen = version;
        return value;
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },
    /**
     * The document when the file changed since this object last read or wrote it, null when it
     * was deleted, undefined when unchanged (which costs one `stat`).
     */
    async readIfChanged(): Promise<T | null | undefined> {
      try {
        const version = versionOf(await stat(path));
        if (version === seen) return undefined;
        const value = parse(await readFile(path, "utf8"));
        seen = version;
        return value;
      } catch (error) {
        if (!isMissing(error)) throw error;
        if (seen === null) return undefined;
        seen = null;
        return null;
      }
    },
    /** Replaces the document atomically. */
    async write(value: T): Promise<void> {
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
      const handle = await open(tmp, "w", options.mode ?? 0o600);
      let version: string;
      try {
        await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`);
        await handle.sync();
        // The renamed file keeps this inode, size and mtime; stat-ing the path after the rename
        // could instead mark another process's newer write as seen.
        version = versionOf(await handle.stat());
      } finally {
        await handle.close();
      }
      try {
        await rename(tmp, path);
      } catch (error) {
        await rm(tmp, { force: true });
        throw error;
      }
      seen = version;
    },
    /**
     * Runs `task` after every earlier task of this object settled, so a read-modify-write of
     * this process never interleaves with another one.
     */
    exclusive<R>(task: () => Promise<R>): Promise<R> {
      const run = queue.then(task);
      queue = run.catch(() => {});
      return run;
    },
  };
}

export type AtomicJsonFile<T> = ReturnType<typeof createAtomicJsonFile<T>>;
