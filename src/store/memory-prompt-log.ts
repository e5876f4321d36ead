import {
  createMemoryPromptConsumer,
  type MemoryGroup,
  type SequencedRecord,
} from "./memory-prompt-consumer.ts";
import type { AppendResult, PromptLog, PromptRecord } from "./prompt-log.ts";

/** Options for {@link createMemoryPromptLog}. */
export interface MemoryPromptLogOptions {
  /** Records kept; older ones are discarded first. Exact, unlike Redis's approximate trim. */
  maxLength: number;
  /** Clock for dedup expiry, epoch ms; tests inject one. */
  now?: () => number;
}

/**
 * The in-memory prompt log, for the embedded gateway and tests: an array of sequenced
 * entries capped at `maxLength` and a map of content hash → dedup expiry. Lost on restart.
 */
export function createMemoryPromptLog(options: MemoryPromptLogOptions): PromptLog {
  const now = options.now ?? Date.now;
  const entries: SequencedRecord[] = [];
  const groups = new Map<string, MemoryGroup>();
  let lastSeq = 0;
  const seenUntil = new Map<string, number>();

  // Entries are re-inserted when renewed, so with a steady window the map is in expiry order
  // and the sweep stops at the first live entry; lookups check expiry regardless.
  function sweep(at: number): void {
    for (const [hash, until] of seenUntil) {
      if (until > at) break;
      seenUntil.delete(hash);
    }
  }

  function admit(record: PromptRecord, windowMs: number, at: number): boolean {
    if (windowMs <= 0) return true;
    const until = seenUntil.get(record.contentHash);
    if (until !== undefined && until > at) return false;
    seenUntil.delete(record.contentHash);
    seenUntil.set(record.contentHash, at + windowMs);
    return true;
  }

  return {
    async appendBatch(batch, dedupWindowMs): Promise<AppendResult> {
      const at = now();
      sweep(at);
      let appended = 0;
      for (const record of batch) {
        if (!admit(record, dedupWindowMs, at)) continue;
        entries.push({ seq: ++lastSeq, record: structuredClone(record) });
        appended++;
      }
      if (entries.length > options.maxLength) {
        entries.splice(0, entries.length - options.maxLength);
      }
      return { appended, duplicates: batch.length - appended };
    },
    async length() {
      return entries.length;
    },
    async tail(count) {
      if (count <= 0) return [];
      return structuredClone(entries.slice(-count).map((entry) => entry.record));
    },
    consumer(consumerOptions) {
      return createMemoryPromptConsumer({ entries, groups, now }, consumerOptions);
    },
  };
}
