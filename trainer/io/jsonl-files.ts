import { createReadStream } from "node:fs";
import { mkdir, open, stat, truncate } from "node:fs/promises";
import { dirname } from "node:path";
import { createInterface } from "node:readline";

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === "ENOENT";
}

/**
 * Calls `visit` for each whole line of a JSONL file, streaming (constant memory whatever the
 * file's size). A last line without its newline, cut off by a crash, is truncated away so
 * the next append starts on a clean line. A missing file has no lines.
 */
export async function forEachJsonl<T>(
  path: string,
  visit: (record: T, line: number) => void | Promise<void>,
): Promise<void> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  let complete = 0;
  const tail = await open(path, "r");
  try {
    // Find the end of the last whole line by reading backwards from the end.
    const probe = Buffer.alloc(Math.min(size, 64 * 1024));
    let end = size;
    while (end > 0 && complete === 0) {
      const start = Math.max(0, end - probe.length);
      const { bytesRead } = await tail.read(probe, 0, end - start, start);
      const newline = probe.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (newline >= 0) complete = start + newline + 1;
      end = start;
    }
  } finally {
    await tail.close();
  }
  if (complete < size) await truncate(path, complete);
  if (complete === 0) return;
  const lines = createInterface({
    input: createReadStream(path, { end: complete - 1 }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() !== "") await visit(JSON.parse(line) as T, number);
  }
}

/** Appends records to a JSONL file in batches, one fsync per batch. */
export interface JsonlAppender<T> {
  readonly path: string;
  /** Queues a record for the next `flush`. */
  add(record: T): void;
  /** Writes and fsyncs the queued records: once it resolves they survive a crash. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Opens `path` for appending (created when absent); call after reading it with forEachJsonl. */
export async function openAppender<T>(path: string): Promise<JsonlAppender<T>> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, "a");
  let queued: string[] = [];
  async function flush(): Promise<void> {
    if (queued.length === 0) return;
    const text = queued.join("");
    queued = [];
    await handle.write(text);
    await handle.datasync();
  }
  return {
    path,
    add(record) {
      queued.push(`${JSON.stringify(record)}\n`);
    },
    flush,
    async close() {
      await flush();
      await handle.close();
    },
  };
}

/**
 * The non-blank lines of seed files in order, each with its position `<file>:<line>` (1-based),
 * the name intake and the seed slices give a seed line.
 */
export async function* seedLines(
  files: readonly string[],
): AsyncGenerator<{ file: string; position: string; line: string }> {
  for (const file of files) {
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    let number = 0;
    for await (const line of lines) {
      number++;
      if (line.trim() !== "") yield { file, position: `${file}:${number}`, line };
    }
  }
}
