import type { Logger } from "pino";
import { mapConcurrent } from "../../src/core/map-concurrent.ts";
import { BlobHashMismatchError } from "../../src/store/blob-hash.ts";
import type { BlobStore } from "../../src/store/blob-store.ts";

/**
 * How stream intake reaches collected images held in a shared store (S3) rather than on a
 * volume it shares with the gateways: copied into a local blob store whose files every later
 * stage, and a `paths` dataset's fine-tune, read; deleted from the shared store once consumed.
 */
export interface IntakeBlobs {
  /** Copies the blobs not yet local; resolves to the hashes now readable locally. */
  materialise(hashes: readonly string[]): Promise<Set<string>>;
  /**
   * Deletes consumed blobs from the shared store, unless put again since `newestCollectedAt`
   * less the margin (a prompt not yet consumed names them). Never rejects: a blob left
   * behind expires by the bucket's lifecycle rule.
   */
  release(hashes: readonly string[], newestCollectedAt: number): Promise<void>;
}

export interface RemoteBlobsOptions {
  remote: BlobStore;
  /** The trainer's local copies (a file store at the blob directory). */
  local: BlobStore;
  /** JURIST_BLOB_DELETE_MARGIN_MS. */
  marginMs: number;
  logger: Logger;
}

const COPIES_IN_FLIGHT = 8;

/**
 * The intake side of `JURIST_BLOB_STORE=s3`. A blob absent from the bucket (expired by the
 * lifecycle rule before the trainer came to it) is simply not present: intake skips its prompt
 * as `missing_image`. A bucket outage rejects, so the batch is not acknowledged and comes back.
 *
 * Why deleting is safe with content-addressed keys, where a newer prompt may name the same
 * image: every collector flush puts each image it writes (restarting its age) before appending
 * the records that name it, and a flush lasts far less than the margin. A prompt not yet
 * consumed was appended after the newest consumed one, so its images were put after that one's
 * collection time less the margin; a blob last put before that cutoff is named by no prompt the
 * trainer has yet to read. The one gap: a put landing between the HEAD and the DELETE of one
 * blob (S3 has no delete conditional on age), which loses that prompt's image; intake then
 * skips it, counted as `missing_image`.
 */
export function createRemoteBlobIntake(options: RemoteBlobsOptions): IntakeBlobs {
  const { remote, local, logger } = options;
  return {
    async materialise(hashes) {
      const unique = [...new Set(hashes)];
      const present = await mapConcurrent(unique, COPIES_IN_FLIGHT, async (sha256) => {
        // A copy kept from an earlier iteration is put again, so the local TTL counts from
        // this iteration, which will read it.
        const held = await local.get(sha256);
        if (held) {
          await local.put(sha256, held);
          return true;
        }
        const bytes = await remote.get(sha256);
        if (!bytes) return false;
        await local.put(sha256, bytes);
        return true;
      });
      return new Set(unique.filter((_, i) => present[i]));
    },
    async release(hashes, newestCollectedAt) {
      if (hashes.length === 0) return;
      const cutoff = new Date(newestCollectedAt - options.marginMs);
      try {
        const deleted = await remote.deleteUnusedSince(hashes, cutoff);
        logger.debug({ deleted, consumed: hashes.length }, "consumed image blobs deleted");
      } catch (error) {
        logger.warn({ err: error }, "consumed image blobs not deleted; the lifecycle rule will");
      }
    },
  };
}

/**
 * The intake side of `JURIST_BLOB_STORE=file` with a TTL: the blobs stay where the gateways
 * wrote them, and each one a batch names is put again, so the store's TTL counts from the
 * iteration that reads it. Without this a prompt taken from a backlog a few days old kept its
 * image's first date, and the sweep could take the file between intake and the fine-tune
 * (which reads `paths` datasets' images by path days later): the fine-tune failed on the
 * missing file, and every retry resumed into the same failure. Nothing is deleted at release:
 * the TTL does that. A file whose bytes no longer match its name reads as absent (skipped as
 * `missing_image`), not as a failed batch.
 */
export function createLocalBlobIntake(store: BlobStore): IntakeBlobs {
  return {
    async materialise(hashes) {
      const unique = [...new Set(hashes)];
      const present = await mapConcurrent(unique, COPIES_IN_FLIGHT, async (sha256) => {
        const bytes = await store.get(sha256);
        if (!bytes) return false;
        try {
          await store.put(sha256, bytes);
          return true;
        } catch (error) {
          if (error instanceof BlobHashMismatchError) return false;
          throw error;
        }
      });
      return new Set(unique.filter((_, i) => present[i]));
    },
    async release() {},
  };
}
