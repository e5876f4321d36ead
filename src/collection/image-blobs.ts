import { mapConcurrent } from "../core/map-concurrent.ts";
import { BlobHashMismatchError } from "../store/blob-hash.ts";
import type { BlobStore } from "../store/blob-store.ts";

/** What storing a batch's images did. */
export interface StoredImages {
  /** Blobs newly written. */
  written: number;
  /** Hashes whose data URI did not decode to bytes with that hash; never retried usefully. */
  invalid: Set<string>;
}

const BLOB_WRITES_IN_FLIGHT = 4;

// Intake validated the data URI, so the payload after the comma is strict base64.
const decodePayload = (dataUri: string) =>
  Buffer.from(dataUri.slice(dataUri.indexOf(",") + 1), "base64");

/**
 * Writes the blobs in `images` (hash → data URI) not yet in `blobs`, decoding each only when it
 * is missing. Rejects on a store failure (the caller retries the batch later); a hash mismatch
 * is reported in `invalid` instead, as retrying cannot fix it.
 */
export async function storeImageBlobs(
  blobs: BlobStore,
  images: ReadonlyMap<string, string>,
): Promise<StoredImages> {
  const invalid = new Set<string>();
  const outcomes = await mapConcurrent([...images], BLOB_WRITES_IN_FLIGHT, async ([sha, uri]) => {
    if (await blobs.has(sha)) return false;
    try {
      return await blobs.put(sha, decodePayload(uri));
    } catch (error) {
      if (!(error instanceof BlobHashMismatchError)) throw error;
      invalid.add(sha);
      return false;
    }
  });
  return { written: outcomes.filter(Boolean).length, invalid };
}
