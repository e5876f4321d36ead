import type { ConsumedEntry, ConsumerOptions, PromptConsumer, PromptRecord } from "./prompt-log.ts";

/** A record with its sequence number, the in-memory entry id. */
export interface SequencedRecord {
  seq: number;
  record: PromptRecord;
}

/** One consumer group's position: the last sequence delivered, and what is unacknowledged. */
export interface MemoryGroup {
  lastDelivered: number;
  /** Sequence → who holds it and since when (epoch ms). */
  pending: Map<number, { consumer: string; since: number }>;
}

/** What the in-memory consumer reads from its log. */
export interface MemoryConsumerSource {
  /** Kept entries, oldest first, sequence numbers ascending. */
  entries: readonly SequencedRecord[];
  groups: Map<string, MemoryGroup>;
  now: () => number;
}

const DEFAULT_CLAIM_IDLE_MS = 5 * 60_000;

function find(entries: readonly SequencedRecord[], seq: number): PromptRecord | null {
  // Entries are in ascending sequence order: binary search.
  let low = 0;
  let high = entries.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const at = entries[mid]!.seq;
    if (at === seq) return entries[mid]!.record;
    if (at < seq) low = mid + 1;
    else high = mid - 1;
  }
  return null;
}

/** The Redis consumer group's semantics over the in-memory log (same order of delivery). */
export function createMemoryPromptConsumer(
  source: MemoryConsumerSource,
  options: ConsumerOptions,
): PromptConsumer {
  const claimIdleMs = options.claimIdleMs ?? DEFAULT_CLAIM_IDLE_MS;
  const group = (): MemoryGroup => {
    let state = source.groups.get(options.group);
    if (!state) {
      state = { lastDelivered: 0, pending: new Map() };
      source.groups.set(options.group, state);
    }
    return state;
  };
  const consumed = (seq: number): ConsumedEntry => {
    const record = find(source.entries, seq);
    return record
      ? { entryId: String(seq), record: structuredClone(record) }
      : { entryId: String(seq), record: null, problem: "trimmed" };
  };

  return {
    async read(count) {
      const state = group();
      const at = source.now();
      const mine = [...state.pending]
        .filter(([, holder]) => holder.consumer === options.consumer)
        .map(([seq]) => seq);
      if (mine.length > 0) return mine.slice(0, count).map(consumed);
      const idle = [...state.pending]
        .filter(([, holder]) => at - holder.since >= claimIdleMs)
        .map(([seq]) => seq)
        .slice(0, count);
      if (idle.length > 0) {
        for (const seq of idle) state.pending.set(seq, { consumer: options.consumer, since: at });
        return idle.map(consumed);
      }
      const fresh = source.entries.filter((entry) => entry.seq > state.lastDelivered);
      const taken = fresh.slice(0, count);
      for (const entry of taken) {
        state.pending.set(entry.seq, { consumer: options.consumer, since: at });
        state.lastDelivered = entry.seq;
      }
      return taken.map((entry) => consumed(entry.seq));
    },
    async ack(entryIds) {
      const state = group();
      for (const id of entryIds) state.pending.delete(Number(id));
    },
    async backlog() {
      const state = group();
      const fresh = source.entries.filter((entry) => entry.seq > state.lastDelivered).length;
      return fresh + state.pending.size;
    },
  };
}
