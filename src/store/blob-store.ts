/**
 * The content-addressed blob store port for image bytes: each blob is stored once under the
 * lower-case hex SHA-256 of its bytes. A directory under JURIST_DATA_DIR by default; object
 * storage can follow behind the same interface.
 */
export interface BlobStore {
  /** Stores `bytes` under `sha256` unless already there; true when newly written. */
  put(sha256: string, bytes: Uint8Array): Promise<boolean>;
  /** The bytes under `sha256`, or null. */
  get(sha256: string): Promise<Buffer | null>;
  has(sha256: string): Promise<boolean>;
}
