import { setTimeout as sleep } from "node:timers/promises";
import t from "tap";
import { sha256Hex } from "../../../src/store/blob-hash.ts";
import { createS3BlobStore } from "../../../src/store/s3-blob-store.ts";
import { createS3Client } from "../../../src/store/s3-client.ts";
import { S3RVER_CREDENTIALS, startS3, type TestS3 } from "../../helpers/s3-server.ts";
import { blobStoreContract } from "./blob-store-contract.ts";

// The S3 adapter against s3rver 3.7.1 on loopback, through the same AWS SDK v3 client
// (@aws-sdk/client-s3 3.1178) and settings a gateway uses: path-style requests, the SDK's
// standard retries (maxAttempts) and the request handler's timeouts.

function storeOn(s3: TestS3, prefix = "jurist/blobs/") {
  const client = createS3Client(
    {
      bucket: s3.bucket,
      prefix,
      endpoint: s3.endpoint,
      region: undefined,
      forcePathStyle: true,
      maxAttempts: 2,
      connectionTimeoutMs: 1_000,
      requestTimeoutMs: 2_000,
    },
    { credentials: S3RVER_CREDENTIALS },
  );
  return createS3BlobStore({ client, bucket: s3.bucket, prefix });
}

blobStoreContract(t, async (t) => {
  const blobs = storeOn(await startS3(t));
  t.teardown(() => blobs.close());
  return blobs;
});

t.test("blobs are keyed <prefix><sha256>; a missing one reads as null", async (t) => {
  const s3 = await startS3(t);
  const blobs = storeOn(s3, "deploy-a/blobs/");
  const other = storeOn(s3, "deploy-b/blobs/");
  t.teardown(() => Promise.all([blobs.close(), other.close()]));
  const bytes = Buffer.from("a picture");
  const sha = sha256Hex(bytes);
  t.equal(await blobs.put(sha, bytes), true);
  t.same(await blobs.get(sha), bytes);
  t.equal(await other.get(sha), null, "another prefix does not see it");
  t.equal(await other.has(sha), false);
  t.equal(await blobs.get(sha256Hex(Buffer.from("never stored"))), null);
});

// What S3 has no operation for (s3rver has no lifecycle either): the trainer's delete of what
// it consumed. A blob put again after the cutoff (a newer prompt references it) stays.
// LastModified has whole seconds, hence the waits: they set ages apart, nothing is timed.
t.test(
  "deleteUnusedSince deletes blobs last put before the cutoff, not those put since",
  async (t) => {
    const blobs = storeOn(await startS3(t));
    t.teardown(() => blobs.close());
    const [old, again] = [Buffer.from("consumed"), Buffer.from("collected again")];
    await blobs.put(sha256Hex(old), old);
    await blobs.put(sha256Hex(again), again);
    await sleep(2_100);
    const cutoff = new Date(Date.now() - 1_000);
    t.equal(await blobs.put(sha256Hex(again), again), false, "already there: copied onto itself");
    const absent = sha256Hex(Buffer.from("never stored"));
    const hashes = [sha256Hex(old), sha256Hex(again), absent];
    t.equal(await blobs.deleteUnusedSince(hashes, cutoff), 1);
    t.equal(await blobs.has(sha256Hex(old)), false, "the consumed blob is gone");
    t.same(await blobs.get(sha256Hex(again)), again, "the blob referenced since stays");
  },
);

// An outage: every call rejects (after the SDK's attempts, each bounded by the handler's
// timeouts) instead of hanging, and the same store works again once the server is back.
t.test("an outage rejects each call; the store recovers when the server returns", async (t) => {
  const s3 = await startS3(t);
  const blobs = storeOn(s3);
  t.teardown(() => blobs.close());
  const [before, during] = [Buffer.from("before"), Buffer.from("during")];
  await blobs.put(sha256Hex(before), before);
  await s3.stop();
  await t.rejects(blobs.put(sha256Hex(during), during));
  await t.rejects(blobs.get(sha256Hex(before)));
  await t.rejects(blobs.has(sha256Hex(before)));
  await s3.start();
  t.same(await blobs.get(sha256Hex(before)), before, "kept across the outage");
  t.equal(await blobs.put(sha256Hex(during), during), true);
});
