/**
 * The content-addressed blob store port for image bytes: each blob is stored once under the
 * lower-case hex SHA-256 of its bytes. A directory under JURIST_DATA_DIR
 * (`file-blob-store.ts`) or an S3-compatible bucket (`s3-blob-store.ts`).
 *
 * Blobs expire: a file store sweeps blobs not put for its TTL, a bucket's lifecycle rule
 * expires them, and the trainer deletes what it consumed (`deleteUnusedSince`). Every put
 * restarts a blob's age, also when the blob was already there, so an expiry or a delete always
 * counts from the last prompt that referenced the blob, never from the first.
 */
export interface BlobStore {
  /**
   * Stores `bytes` under `sha256` unless already there, and restarts the blob's age either way;
   * true when newly written. Rejects with BlobStoreFullError when a bounded store is full.
   */
  put(sha256: string, bytes: Uint8Array): Promise<boolean>;
  /** The bytes under `sha256`, or null. */
  get(sha256: string): Promise<Buffer | null>;
  has(sha256: string): Promise<boolean>;
  /**
   * Deletes each of `hashes` whose last put was before `cutoff`, leaving those put since;
   * resolves to how many it deleted. Absent blobs are skipped.
   */
  deleteUnusedSince(hashes: readonly string[], cutoff: Date): Promise<number>;
  /** Stops background work (sweeps) and closes connections. */
  close(): Promise<void>;
}

/**
 * Thrown by `BlobStore.put` when a bounded store holds its maximum: the blob was not written.
 * Retrying soon does not help (room comes back as blobs expire), so the collector drops the
 * prompt and counts it instead of retrying the batch.
 */
export class BlobStoreFullError extends Error {
  constructor(limitBytes: number) {
    super(`the blob store holds its limit of ${limitBytes} bytes`);
    this.name = "BlobStoreFullError";
  }
}
