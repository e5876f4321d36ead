import type { Logger } from "pino";
import type { Config } from "../../src/config/config.ts";
import type { BlobStore } from "../../src/store/blob-store.ts";
import { createLocalBlobStore } from "../../src/store/create-blob-store.ts";
import {
  createLocalBlobIntake,
  createRemoteBlobIntake,
  type IntakeBlobs,
} from "../io/remote-blobs.ts";

/**
 * How the worker's stream intake reaches collected images: with `JURIST_BLOB_STORE=s3`, copied
 * from the bucket into the local blob directory (bounded and expired like a file store) and
 * deleted from the bucket once consumed; with `file`, read where the gateways wrote them and put
 * again at intake, so the file store's TTL counts from the iteration that reads them.
 */
export function intakeBlobsFor(
  config: Config,
  shared: BlobStore,
  logger: Logger,
): IntakeBlobs | undefined {
  if (config.blobs.store !== "s3") {
    // Blobs that never expire need no touch: intake only checks that they are there.
    return config.blobs.ttlMs > 0 ? createLocalBlobIntake(shared) : undefined;
  }
  return createRemoteBlobIntake({
    remote: shared,
    local: createLocalBlobStore(config),
    marginMs: config.blobs.deleteMarginMs,
    logger,
  });
}
