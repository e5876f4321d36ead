/** Why an offered prompt was not sampled. */
export type CollectionSkipReason = "request_opt_out" | "opted_out" | "not_sampled";

/**
 * Why a sampled prompt was lost: the buffer was full, its image bytes did not match their hash, a bounded blob store was full,
 * the collector was closed before it was written, or offering it threw unexpectedly.
 */
export type CollectionDropReason =
  | "buffer_full"
  | "invalid_image"
  | "blob_store_full"
  | "closed"
  | "error";

/** Which store a failed flush could not write: the image blobs or the prompt log. */
export type FlushFailureCause = "blob_store" | "prompt_log";

/**
 * Where the collector reports what it does (metrics). For every sampled prompt exactly one of
 * `appended`, `duplicates` or `dropped` eventually counts it, unless it is still buffered:
 * sampled = appended + duplicates + dropped + buffered.
 */
export interface CollectionObserver {
  /** An offered prompt fell inside its tenant's sample. */
  sampled(): void;
  /** An offered prompt was not sampled. */
  skipped(reason: CollectionSkipReason): void;
  /** `count` sampled prompts were lost. */
  dropped(reason: CollectionDropReason, count: number): void;
  /** `count` records were written to the prompt log. */
  appended(count: number): void;
  /** `count` sampled prompts were already buffered or seen by the log within the dedup window. */
  duplicates(count: number): void;
  /** `count` image blobs were newly written to the blob store. */
  imagesStored(count: number): void;
  /** A flush attempt failed at `cause`; its records stay buffered for the next one. */
  flushFailed(cause: FlushFailureCause): void;
}

/** An observer that ignores everything, for callers without metrics. */
export const NO_COLLECTION_OBSERVER: CollectionObserver = {
  sampled() {},
  skipped() {},
  dropped() {},
  appended() {},
  duplicates() {},
  imagesStored() {},
  flushFailed() {},
};
