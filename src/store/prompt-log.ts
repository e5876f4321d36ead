/** One collected production prompt, the trainer's raw material. */
export interface PromptRecord {
  /** Collection id (`col_…`). */
  id: string;
  tenant: string;
  question: string;
  /** SHA-256s of the images, whose bytes are in the blob store. */
  imageHashes: string[];
  responses: [string, string];
  verdict: {
    winner: "A" | "B" | "tie" | null;
    probabilityA: number | null;
    consistent: boolean | null;
  };
  checkpoint: string;
  /** Collection time, epoch ms. */
  at: number;
  /** Content hash (question, image hashes, responses): equal prompts collapse on it. */
  contentHash: string;
}

/** What appending a batch did. */
export interface AppendResult {
  appended: number;
  /** Records whose content hash was seen within the dedup window. */
  duplicates: number;
}

/**
 * The prompt log port: an append-only stream capped at a maximum length (approximately, as
 * Redis trims), with deduplication by content hash over a window.
 */
export interface PromptLog {
  /** Appends the records not seen within `dedupWindowMs`; one round trip per batch. */
  appendBatch(records: PromptRecord[], dedupWindowMs: number): Promise<AppendResult>;
  /** Records currently kept. */
  length(): Promise<number>;
  /** The newest `count` records, newest last (for inspection and tests). */
  tail(count: number): Promise<PromptRecord[]>;
  /** A consumer-group reader (the trainer's intake); creates the group at the log's start. */
  consumer(options: ConsumerOptions): PromptConsumer;
}

/** One stream entry handed to a consumer: its record, or why it could not be read. */
export interface ConsumedEntry {
  /** The log's own entry id (a Redis stream id, or a sequence number in memory). */
  entryId: string;
  /** Null when the entry was trimmed away before it was read, or its fields do not decode. */
  record: PromptRecord | null;
  /** Why `record` is null. */
  problem?: "trimmed" | "undecodable";
}

/** Who reads the log: a consumer group (shared position) and a consumer name within it. */
export interface ConsumerOptions {
  group: string;
  consumer: string;
  /**
   * Entries another consumer of the group took but did not acknowledge for this long are
   * claimed (a crashed worker's share is not stranded). Default 5 minutes.
   */
  claimIdleMs?: number;
}

/**
 * A consumer-group reader of the prompt log. Delivery is at least once: an entry read but not
 * acknowledged (the reader crashed before persisting it) is delivered again to the same
 * consumer name, so a reader acknowledges only after its own output is durable, and
 * recognises redelivered entries by record id.
 */
export interface PromptConsumer {
  /**
   * Up to `count` entries: first those delivered to this consumer and not acknowledged, then
   * entries idle in other consumers past `claimIdleMs`, then new ones. Empty when none.
   */
  read(count: number): Promise<ConsumedEntry[]>;
  /** Acknowledges entries; they are never delivered to this group again. */
  ack(entryIds: readonly string[]): Promise<void>;
  /** Entries the group has not acknowledged yet (new plus pending). */
  backlog(): Promise<number>;
}
