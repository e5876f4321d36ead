import type { Test } from "tap";
import { BlobHashMismatchError, sha256Hex } from "../../../src/store/blob-hash.ts";
import type { BlobStore } from "../../../src/store/blob-store.ts";

/** Makes a fresh, empty blob store for one test. */
export type MakeBlobStore = (t: Test) => Promise<BlobStore>;

/** The assertions every BlobStore adapter must pass. */
export function blobStoreContract(t: Test, make: MakeBlobStore): void {
  const bytes = Buffer.from("not really a png, but bytes all the same");
  const sha = sha256Hex(bytes);

  t.test("a blob is stored once and read back", async (t) => {
    const blobs = await make(t);
    t.equal(await blobs.has(sha), false);
    t.equal(await blobs.get(sha), null);
    t.equal(await blobs.put(sha, bytes), true, "newly written");
    t.equal(await blobs.put(sha, bytes), false, "already there");
    t.equal(await blobs.has(sha), true);
    t.same(await blobs.get(sha), bytes);
  });

  t.test("bytes that do not hash to the name are refused", async (t) => {
    const blobs = await make(t);
    const other = sha256Hex(Buffer.from("other"));
    await t.rejects(blobs.put(other, bytes), BlobHashMismatchError);
    t.equal(await blobs.has(other), false);
    await t.rejects(blobs.put("../../etc/passwd", bytes), BlobHashMismatchError, "not a hash");
    await t.rejects(blobs.put(sha.toUpperCase(), bytes), BlobHashMismatchError, "upper case");
    t.equal(await blobs.get("../../etc/passwd"), null);
    t.equal(await blobs.has("../../etc/passwd"), false);
  });

  t.test("concurrent puts of one blob write it once", async (t) => {
    const blobs = await make(t);
    const results = await Promise.all(Array.from({ length: 20 }, () => blobs.put(sha, bytes)));
    t.equal(results.filter(Boolean).length, 1);
    t.same(await blobs.get(sha), bytes);
  });

  t.test("a caller reusing its buffer does not change the stored blob", async (t) => {
    const blobs = await make(t);
    const mine = Buffer.from(bytes);
    await blobs.put(sha, mine);
    mine.fill(0);
    t.same(await blobs.get(sha), bytes);
  });
}
