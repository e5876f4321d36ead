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
}
