import { access } from "node:fs/promises";
import type { ConsumedEntry, PromptConsumer } from "../../src/store/prompt-log.ts";
import type { IntakeBlobs } from "../io/remote-blobs.ts";
import type { IntakeSink } from "./intake-sink.ts";

export interface StreamIntakeOptions {
  consumer: PromptConsumer;
  /** The local file of an image blob (the blob store's directory, shared with the gateway). */
  blobPath: (sha256: string) => string;
  /**
   * With images in a shared store (S3): copies them to `blobPath` at intake and deletes them
   * from the store once their entries are acknowledged. With a file store that expires blobs:
   * puts each again, so its TTL counts from this iteration. Unset: intake only checks that
   * each file is at `blobPath`.
   */
  blobs?: IntakeBlobs | undefined;
  /** Stream entries taken into one iteration at most. */
  maxPrompts: number;
  /** Entries read, decided, persisted and acknowledged per round. Default 500. */
  batchSize?: number;
  /** Called after each acknowledged batch with the entries taken so far. */
  onBatch?: (taken: number) => void;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Which of a batch's images are present: each distinct blob checked once, all at once. */
async function presentImages(
  entries: readonly ConsumedEntry[],
  options: StreamIntakeOptions,
): Promise<Set<string>> {
  const hashes = [...new Set(entries.flatMap((entry) => entry.record?.imageHashes ?? []))];
  if (options.blobs) return options.blobs.materialise(hashes);
  const found = await Promise.all(hashes.map((hash) => exists(options.blobPath(hash))));
  return new Set(hashes.filter((_, i) => found[i]));
}

/** After the ack: the batch's images leave the shared store (this trainer has its copies). */
async function releaseConsumed(
  entries: readonly ConsumedEntry[],
  present: ReadonlySet<string>,
  options: StreamIntakeOptions,
): Promise<void> {
  if (!options.blobs) return;
  const records = entries.flatMap((entry) => (entry.record ? [entry.record] : []));
  if (records.length === 0) return;
  const newest = Math.max(...records.map((record) => record.at));
  await options.blobs.release([...present], newest);
}

function decide(
  entry: ConsumedEntry,
  sink: IntakeSink,
  options: StreamIntakeOptions,
  present: ReadonlySet<string>,
): void {
  const where = `stream:${entry.entryId}`;
  const { record } = entry;
  if (!record) {
    const reason = entry.problem ?? "undecodable";
    sink.skip({ id: where, reason, detail: "the entry has no readable record" });
    return;
  }
  // A redelivered entry (read, persisted, not acknowledged before a crash): already decided.
  if (sink.decided(record.id) || sink.decided(where)) return;
  const images = record.imageHashes.map(options.blobPath);
  const missing = record.imageHashes.filter((hash) => !present.has(hash));
  if (missing.length > 0) {
    sink.skip({ id: where, reason: "missing_image", detail: `${record.id}: ${missing.join(",")}` });
    return;
  }
  sink.admit(
    {
      id: record.id,
      question: record.question,
      images,
      imageHashes: record.imageHashes,
      source: "stream",
    },
    where,
  );
}

/**
 * Takes collected prompts from the prompt stream through its consumer group: each batch is
 * decided, made durable in the sink, and only then acknowledged, so a crash at any point
 * loses nothing (unacknowledged entries come back) and repeats nothing (the sink knows them).
 * Stops when the stream has nothing new, `maxPrompts` were taken, or `signal` aborts.
 */
export async function intakePromptStream(
  sink: IntakeSink,
  options: StreamIntakeOptions,
  signal: AbortSignal,
): Promise<number> {
  const batchSize = options.batchSize ?? 500;
  let taken = 0;
  while (taken < options.maxPrompts) {
    signal.throwIfAborted();
    const entries = await options.consumer.read(Math.min(batchSize, options.maxPrompts - taken));
    if (entries.length === 0) break;
    const present = await presentImages(entries, options);
    for (const entry of entries) decide(entry, sink, options, present);
    await sink.flush();
    await options.consumer.ack(entries.map((entry) => entry.entryId));
    await releaseConsumed(entries, present, options);
    taken += entries.length;
    options.onBatch?.(taken);
  }
  return taken;
}
