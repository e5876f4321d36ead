import { assertBlobHash, isSha256Hex } from "./blob-hash.ts";
import type { BlobStore } from "./blob-store.ts";

/**
 * The in-memory blob store, for the embedded gateway and tests. Unbounded: blobs live as long as
 * the process (or until deleted), so it suits development, not a long-running collector.
 */
export function createMemoryBlobStore(now: () => number = Date.now): BlobStore {
  const blobs = new Map<string, { bytes: Buffer; putAt: number }>();

  return {
    async put(sha256, bytes) {
      assertBlobHash(sha256, bytes);
      const held = blobs.get(sha256);
      if (held) {
        held.putAt = now();
        return false;
      }
      // A copy, so a caller reusing its buffer cannot change what was stored.
      blobs.set(sha256, { bytes: Buffer.from(bytes), putAt: now() });
      return true;
    },
    async get(sha256) {
      const blob = blobs.get(sha256);
      return blob ? Buffer.from(blob.bytes) : null;
    },
    async has(sha256) {
      return isSha256Hex(sha256) && blobs.has(sha256);
    },
    async deleteUnusedSince(hashes, cutoff) {
      let deleted = 0;
      for (const sha256 of new Set(hashes)) {
        const blob = blobs.get(sha256);
        if (blob && blob.putAt < cutoff.getTime() && blobs.delete(sha256)) deleted++;
      }
      return deleted;
    },
    async close() {},
  };
}
