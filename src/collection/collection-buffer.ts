import { keepableDataUri } from "../core/data-uri-payload.ts";
import type { DataUri } from "../core/types.ts";
import type { PromptRecord } from "../store/prompt-log.ts";

/** An image a buffered record refers to, as intake resolved it. */
export interface BufferedImage {
  sha256: string;
  /**
   * `data:<mime>;base64,…`; decoded only when the blob is written. As bytes it may be a slice
   * of the request body, which it then keeps alive until the record is written.
   */
  dataUri: DataUri;
}

/**
 * A bounded FIFO of records waiting to be written. Records leave only from the head, and only
 * once written, so a failed flush keeps them in order for the next. Image data URIs are held
 * once per hash however many records share them.
 */
export function createCollectionBuffer(capacity: number) {
  const records: PromptRecord[] = [];
  const contentHashes = new Set<string>();
  const images = new Map<string, { dataUri: DataUri; refs: number }>();

  function release(record: PromptRecord): void {
    contentHashes.delete(record.contentHash);
    for (const sha256 of record.imageHashes) {
      const image = images.get(sha256);
      if (image && --image.refs === 0) images.delete(sha256);
    }
  }

  return {
    /** Adds a record at the tail; false (and nothing kept) when the buffer is full. */
    push(record: PromptRecord, recordImages: readonly BufferedImage[]): boolean {
      if (records.length >= capacity) return false;
      records.push(record);
      contentHashes.add(record.contentHash);
      for (const { sha256, dataUri } of recordImages) {
        const image = images.get(sha256);
        if (image) image.refs++;
        else images.set(sha256, { dataUri: keepableDataUri(dataUri), refs: 1 });
      }
      return true;
    },
    /** The oldest `count` records, left in place. */
    head(count: number): PromptRecord[] {
      return records.slice(0, count);
    },
    /** Data URI by hash for every image the given buffered records refer to. */
    imagesOf(batch: readonly PromptRecord[]): Map<string, DataUri> {
      const uris = new Map<string, DataUri>();
      for (const sha256 of batch.flatMap((record) => record.imageHashes)) {
        const image = images.get(sha256);
        if (image) uris.set(sha256, image.dataUri);
      }
      return uris;
    },
    /** Removes the oldest `count` records (the ones just written). */
    shift(count: number): void {
      for (const record of records.splice(0, count)) release(record);
    },
    /** Whether a record with this content hash is waiting. */
    holds(contentHash: string): boolean {
      return contentHashes.has(contentHash);
    },
    size: (): number => records.length,
    /** Empties the buffer; returns how many records were discarded. */
    clear(): number {
      const discarded = records.length;
      records.length = 0;
      contentHashes.clear();
      images.clear();
      return discarded;
    },
  };
}

export type CollectionBuffer = ReturnType<typeof createCollectionBuffer>;
