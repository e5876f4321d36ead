import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { mapConcurrent } from "../core/map-concurrent.ts";
import { isSha256Hex } from "./blob-hash.ts";
import type { BlobStore } from "./blob-store.ts";
import { sharedPuts } from "./shared-puts.ts";

/** Options for {@link createS3BlobStore}. */
export interface S3BlobStoreOptions {
  client: S3Client;
  bucket: string;
  /** Prepended to every blob's SHA-256 to make its key, e.g. `jurist/blobs/`. */
  prefix: string;
}

/** HEAD, GET or DELETE requests a `deleteUnusedSince` call keeps in flight. */
const DELETES_IN_FLIGHT = 8;

/** A 404 from S3: HeadObject says NotFound, GetObject NoSuchKey (both carry the status). */
function isMissing(error: unknown): boolean {
  const failure = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    failure?.$metadata?.httpStatusCode === 404 ||
    failure?.name === "NotFound" ||
    failure?.name === "NoSuchKey"
  );
}

/**
 * The blob store in an S3-compatible bucket, keyed `<prefix><sha256>`, through the AWS SDK v3
 * client (its retries and timeouts are the client's: `s3-client.ts`). A put HEADs the key
 * first: a blob already there is not uploaded again but copied onto itself (a server-side
 * CopyObject with its metadata replaced, `put-at` = now), which gives it a new LastModified,
 * so a lifecycle expiry and the trainer's `deleteUnusedSince` count from the last prompt that
 * referenced it.
 * Concurrent puts of one blob in this process share one request; across gateways two may both
 * upload the same bytes, which S3 takes as the same object (last writer wins, equal bytes).
 * Any S3 failure but a 404 rejects (the collector keeps its records buffered and retries).
 */
export function createS3BlobStore(options: S3BlobStoreOptions): BlobStore {
  const { client, bucket, prefix } = options;
  const keyOf = (sha256: string) => `${prefix}${sha256}`;
  // Concurrent puts of one blob share one write (`write` below, hoisted).
  const puts = sharedPuts(write);

  /**
   * When the blob was last put, or null when it is not there: the later of LastModified and
   * the `put-at` metadata every put writes. S3 gives a copy onto itself a new LastModified;
   * some S3-compatible servers (s3rver 3.7.1: lib/stores/filesystem.js keeps the file's mtime)
   * do not, and the metadata covers them.
   */
  async function lastPut(sha256: string): Promise<Date | null> {
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(sha256) }));
      const modified = head.LastModified?.getTime() ?? 0;
      const putAt = Date.parse(head.Metadata?.["put-at"] ?? "");
      return new Date(Number.isNaN(putAt) ? modified : Math.max(modified, putAt));
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async function write(sha256: string, bytes: Uint8Array): Promise<boolean> {
    const key = keyOf(sha256);
    if ((await lastPut(sha256)) !== null) {
      await client.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: key,
          CopySource: encodeURI(`${bucket}/${key}`),
          MetadataDirective: "REPLACE",
          Metadata: { "put-at": new Date().toISOString() },
          ContentType: "application/octet-stream",
        }),
      );
      return false;
    }
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: bytes,
        ContentType: "application/octet-stream",
        Metadata: { "put-at": new Date().toISOString() },
      }),
    );
    return true;
  }

  return {
    put: puts.put,
    async get(sha256) {
      if (!isSha256Hex(sha256)) return null;
      try {
        const object = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: keyOf(sha256) }),
        );
        if (!object.Body) return null;
        return Buffer.from(await object.Body.transformToByteArray());
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },
    async has(sha256) {
      return isSha256Hex(sha256) && (await lastPut(sha256)) !== null;
    },
    // HEAD then DELETE per blob, the two back to back: S3 has no delete conditional on
    // LastModified for general-purpose buckets, so a put landing between them is lost (see
    // operations.md: the prompt is skipped as missing_image, counted, never a crash).
    async deleteUnusedSince(hashes, cutoff) {
      const unique = [...new Set(hashes)].filter(isSha256Hex);
      const outcomes = await mapConcurrent(unique, DELETES_IN_FLIGHT, async (sha256) => {
        if (puts.writing(sha256)) return false;
        const putAt = await lastPut(sha256);
        if (putAt === null || putAt.getTime() >= cutoff.getTime()) return false;
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keyOf(sha256) }));
        return true;
      });
      return outcomes.filter(Boolean).length;
    },
    async close() {
      client.destroy();
    },
  };
}
