import { dataUriPayload, InvalidDataUriError } from "../core/data-uri-payload.ts";
import { mapConcurrent } from "../core/map-concurrent.ts";
import type { DataUri } from "../core/types.ts";
import { BlobHashMismatchError } from "../store/blob-hash.ts";
import { type BlobStore, BlobStoreFullError } from "../store/blob-store.ts";

/** What storing a batch's images did. */
export interface StoredImages {
  /** Blobs newly written. */
  written: number;
  /** Hashes whose data URI did not decode, or not to bytes with that hash; never retried usefully. */
  invalid: Set<string>;
  /** Hashes a bounded blob store refused for want of room; retrying soon would not help. */
  refused: Set<string>;
}

const BLOB_WRITES_IN_FLIGHT = 4;

/** Thrown when the blob store (not the prompt log) failed a batch: the flush names the cause. */
export class BlobWriteError extends Error {
  constructor(cause: unknown) {
    super(`image blob write failed: ${(cause as Error)?.message ?? cause}`, { cause });
    this.name = "BlobWriteError";
  }
}

/**
 * Puts every blob in `images` (hash → data URI), also those already stored: a put restarts a
 * blob's age, so expiry (a file store's TTL, a bucket's lifecycle rule, the trainer's deletes)
 * counts from the newest prompt that references it, never deleting a blob that a record about
 * to be appended names. Rejects with BlobWriteError on a store failure (the caller retries the
 * batch later); a hash mismatch or a full store is reported in `invalid` or `refused` instead.
 */
export async function storeImageBlobs(
  blobs: BlobStore,
  images: ReadonlyMap<string, DataUri>,
): Promise<StoredImages> {
  const invalid = new Set<string>();
  const refused = new Set<string>();
  const outcomes = await mapConcurrent([...images], BLOB_WRITES_IN_FLIGHT, async ([sha, uri]) => {
    try {
      return await blobs.put(sha, dataUriPayload(uri));
    } catch (error) {
      if (error instanceof BlobHashMismatchError || error instanceof InvalidDataUriError) {
        invalid.add(sha);
      } else if (error instanceof BlobStoreFullError) refused.add(sha);
      else throw new BlobWriteError(error);
      return false;
    }
  });
  return { written: outcomes.filter(Boolean).length, invalid, refused };
}
