import { assertBlobHash } from "./blob-hash.ts";

/** A blob store's put, and whether a put of a blob is under way (a sweep must spare it). */
export interface SharedPuts {
  put(sha256: string, bytes: Uint8Array): Promise<boolean>;
  writing(sha256: string): boolean;
}

/**
 * The `BlobStore.put` both adapters (file, S3) share: it checks the bytes hash to the name,
 * then lets concurrent puts of one blob in this process share one write, the later ones
 * answering false (they wrote nothing new). `write` stores the bytes and says whether it did.
 */
export function sharedPuts(
  write: (sha256: string, bytes: Uint8Array) => Promise<boolean>,
): SharedPuts {
  const inFlight = new Map<string, Promise<boolean>>();
  return {
    async put(sha256, bytes) {
      assertBlobHash(sha256, bytes);
      const pending = inFlight.get(sha256);
      if (pending) return pending.then(() => false);
      const writing = write(sha256, bytes).finally(() => inFlight.delete(sha256));
      inFlight.set(sha256, writing);
      return writing;
    },
    writing: (sha256) => inFlight.has(sha256),
  };
}
