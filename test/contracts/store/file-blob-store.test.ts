import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Test } from "tap";
import t from "tap";
import { sha256Hex } from "../../../src/store/blob-hash.ts";
import { createFileBlobStore } from "../../../src/store/file-blob-store.ts";
import { blobStoreContract } from "./blob-store-contract.ts";

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "jurist-blobs-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

blobStoreContract(t, async (t) => createFileBlobStore({ dir: await tempDir(t) }));

t.test("blobs sit at <dir>/ab/cd/<sha256>, with no temp files left", async (t) => {
  const dir = await tempDir(t);
  const blobs = createFileBlobStore({ dir });
  const bytes = Buffer.from("layout");
  const sha = sha256Hex(bytes);
  await blobs.put(sha, bytes);
  t.same(await readdir(join(dir, sha.slice(0, 2), sha.slice(2, 4))), [sha]);
});

t.test("two stores on one directory write a blob once and read each other's", async (t) => {
  const dir = await tempDir(t);
  const stores = [createFileBlobStore({ dir }), createFileBlobStore({ dir })];
  const payloads = Array.from({ length: 10 }, (_, i) => Buffer.from(`blob ${i}`));
  const results = await Promise.all(
    payloads.flatMap((bytes) => stores.map((store) => store.put(sha256Hex(bytes), bytes))),
  );
  t.equal(results.filter(Boolean).length, payloads.length, "one true per blob");
  for (const bytes of payloads) t.same(await stores[1]!.get(sha256Hex(bytes)), bytes);
  const reopened = createFileBlobStore({ dir });
  t.same(await reopened.get(sha256Hex(payloads[0]!)), payloads[0]);
});
