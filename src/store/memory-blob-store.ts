import { assertBlobHash, isSha256Hex } from "./blob-hash.ts";
import type { BlobStore } from "./blob-store.ts";

/**
 * The in-memory blob store, for the embedded gateway and tests. Unbounded: blobs live as long as
 * the process, so it suits development, not a long-running collector.
 */
export function createMemoryBlobStore(): BlobStore {
  const blobs = new Map<string, Buffer>();

  return {
    async put(sha256, bytes) {
      assertBlobHash(sha256, bytes);
      if (blobs.has(sha256)) return false;
      // A copy, so a caller reusing its buffer cannot change what was stored.
      blobs.set(sha256, Buffer.from(bytes));
      return true;
    },
    async get(sha256) {
      const blob = blobs.get(sha256);
      return blob ? Buffer.from(blob) : null;
    },
    async has(sha256) {
      return isSha256Hex(sha256) && blobs.has(sha256);
    },
  };
}
