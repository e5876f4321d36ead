import { mkdir, open, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { forEachJsonl } from "./jsonl-files.ts";

/**
 * A stage's output as an append-only JSONL file, one record per line, keyed by `id`. Every
 * append is fsynced before it resolves (appends made meanwhile share one write and fsync), so a record the stage saw written survives a crash,
 * and a restart skips the ids already present: nothing is done twice, nothing lost. A last
 * line cut off by a crash is dropped (truncated) on open.
 */
export interface RecordJournal<T extends { id: string }> {
  readonly path: string;
  /** Records already written, by id, in file order. */
  readonly records: ReadonlyMap<string, T>;
  has(id: string): boolean;
  /** Appends and fsyncs one record; a second record with a known id is ignored. */
  append(record: T): Promise<void>;
  close(): Promise<void>;
}

/** Reads the records of a JSONL stage file (empty when it does not exist; a partial last line is cut off). */
export async function readRecords<T>(path: string): Promise<T[]> {
  const records: T[] = [];
  await forEachJsonl<T>(path, (record) => {
    records.push(record);
  });
  return records;
}

/** Opens (creating when absent) a journal at `path`. */
export async function openJournal<T extends { id: string }>(
  path: string,
): Promise<RecordJournal<T>> {
  await mkdir(dirname(path), { recursive: true });
  const records = new Map<string, T>();
  await forEachJsonl<T>(path, (record) => {
    records.set(record.id, record);
  });
  const handle = await open(path, "a");
  // Group commit: appends that arrive while a write is in flight are written together with
  // one fsync, so concurrent workers do not queue behind each other's fsyncs.
  let pending: { record: T; done: () => void; failed: (error: unknown) => void }[] = [];
  let writing: Promise<void> | null = null;

  async function drain(): Promise<void> {
    while (pending.length > 0) {
      const batch = pending.filter(
        (entry, i) =>
          !records.has(entry.record.id) &&
          pending.findIndex((other) => other.record.id === entry.record.id) === i,
      );
      const waiting = pending;
      pending = [];
      try {
        if (batch.length > 0) {
          await handle.write(batch.map((entry) => `${JSON.stringify(entry.record)}\n`).join(""));
          await handle.datasync();
          for (const entry of batch) records.set(entry.record.id, entry.record);
        }
        for (const entry of waiting) entry.done();
      } catch (error) {
        for (const entry of waiting) entry.failed(error);
      }
    }
    writing = null;
  }

  return {
    path,
    records,
    has: (id) => records.has(id),
    append(record: T): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        pending.push({ record, done: resolve, failed: reject });
        writing ??= drain();
      });
    },
    async close(): Promise<void> {
      await writing;
      await handle.close();
    },
  };
}

/** Writes a whole file at once: temp file, fsync, rename (readers never see half of it). */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, text);
  const handle = await open(temp, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}

/** Records as JSONL text, one per line. */
export function toJsonl(records: readonly unknown[]): string {
  return records.map((record) => `${JSON.stringify(record)}\n`).join("");
}
