import { join } from "node:path";
import type { Config } from "../config/config.ts";
import type { BlobStore } from "./blob-store.ts";
import { createFileBlobStore, type FileBlobStore } from "./file-blob-store.ts";

type BlobConfig = Pick<Config, "dataDir" | "blobs">;

/**
 * The image blob directory: the file store's home, and with `JURIST_BLOB_STORE=s3` the
 * trainer's local copies of the blobs it consumed (what its datasets' image paths name).
 */
export function blobDir(config: Pick<Config, "dataDir">): string {
  return join(config.dataDir, "blobs");
}

/** The file store at {@link blobDir}, with the configured expiry and bound. */
export function createLocalBlobStore(config: BlobConfig): FileBlobStore {
  return createFileBlobStore({
    dir: blobDir(config),
    ttlMs: config.blobs.ttlMs,
    maxBytes: config.blobs.maxBytes,
    sweepIntervalMs: config.blobs.sweepIntervalMs,
  });
}

/**
 * The blob store the gateway writes collected images to and the trainer reads: the local
 * directory, or the S3-compatible bucket. Rejects when `s3` is chosen without a bucket. The
 * AWS SDK is loaded only for `s3`, so a gateway on files never loads it.
 */
export async function createBlobStore(config: BlobConfig): Promise<BlobStore> {
  if (config.blobs.store === "file") return createLocalBlobStore(config);
  const { s3 } = config.blobs;
  if (!s3.bucket) throw new Error("JURIST_BLOB_STORE=s3 needs JURIST_S3_BUCKET");
  const [{ createS3BlobStore }, { createS3Client }] = await Promise.all([
    import("./s3-blob-store.ts"),
    import("./s3-client.ts"),
  ]);
  return createS3BlobStore({ client: createS3Client(s3), bucket: s3.bucket, prefix: s3.prefix });
}
