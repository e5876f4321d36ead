import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Test } from "tap";
import t from "tap";
import { sha256Hex } from "../../../src/store/blob-hash.ts";
import { BlobStoreFullError } from "../../../src/store/blob-store.ts";
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

// The single-host expiry: a put restarts a blob's age (its mtime), and a sweep deletes blobs
// not put for the TTL. The clock is the store's own, moved by the test: nothing waits.
t.test("the sweep deletes blobs not put for the TTL, not those put again since", async (t) => {
  let clock = Date.parse("2026-01-01T00:00:00Z");
  const blobs = createFileBlobStore({ dir: await tempDir(t), ttlMs: 60_000, now: () => clock });
  t.teardown(() => blobs.close());
  const [stale, fresh] = [Buffer.from("stale"), Buffer.from("fresh")];
  await blobs.put(sha256Hex(stale), stale);
  await blobs.put(sha256Hex(fresh), fresh);
  clock += 50_000;
  t.equal(await blobs.put(sha256Hex(fresh), fresh), false, "put again: age restarts");
  clock += 20_000;
  t.equal(await blobs.sweep(256), 1, "one full round");
  t.equal(await blobs.has(sha256Hex(stale)), false, "70 s since its put: gone");
  t.same(await blobs.get(sha256Hex(fresh)), fresh, "20 s since its last put: kept");
});

t.test("each sweep tick visits one top-level directory: bounded work per tick", async (t) => {
  let clock = 0;
  const blobs = createFileBlobStore({ dir: await tempDir(t), ttlMs: 1, now: () => clock });
  t.teardown(() => blobs.close());
  const payloads = Array.from({ length: 40 }, (_, i) => Buffer.from(`blob ${i}`));
  for (const bytes of payloads) await blobs.put(sha256Hex(bytes), bytes);
  clock += 10;
  const firstShard = payloads.filter((bytes) => sha256Hex(bytes).startsWith("00")).length;
  t.equal(await blobs.sweep(1), firstShard, "only blobs under 00/");
  t.equal(await blobs.sweep(255), payloads.length - firstShard, "the rest of the round");
});

// The bound refuses a new blob past it (evicting an older one could delete a blob that an
// unconsumed prompt names); blobs already there are still put, and room comes back as the TTL
// sweeps blobs out. A store reopened on the directory measures what is there before writing.
t.test("a store at its byte bound refuses new blobs until the sweep frees room", async (t) => {
  const dir = await tempDir(t);
  let clock = 0;
  const options = { dir, maxBytes: 1_000, ttlMs: 60_000, now: () => clock };
  const blobs = createFileBlobStore(options);
  t.teardown(() => blobs.close());
  const [a, b, c] = [Buffer.alloc(400, 1), Buffer.alloc(400, 2), Buffer.alloc(400, 3)];
  t.equal(await blobs.put(sha256Hex(a), a), true);
  t.equal(await blobs.put(sha256Hex(b), b), true);
  await t.rejects(blobs.put(sha256Hex(c), c), BlobStoreFullError, "1,200 > 1,000 bytes");
  t.equal(await blobs.has(sha256Hex(c)), false);
  t.equal(await blobs.put(sha256Hex(a), a), false, "a blob already there is still put");
  const reopened = createFileBlobStore(options);
  t.teardown(() => reopened.close());
  await t.rejects(reopened.put(sha256Hex(c), c), BlobStoreFullError, "measured on reopening");
  clock += 61_000;
  await blobs.put(sha256Hex(a), a);
  await blobs.sweep(256);
  t.equal(await blobs.bytes(), 400, "b expired, a was put again");
  t.equal(await blobs.put(sha256Hex(c), c), true, "room again");
});

// A bounded store measures what it holds once, on its first new blob. A measurement that
// failed (an unreadable directory, an I/O error) must not stay the answer: the collector
// retries a failed batch, and a store that kept the rejection would refuse every new blob until
// the gateway restarted, each batch buffered and then dropped as buffer_full.
t.test("a bounded store whose measurement failed measures again on the next put", async (t) => {
  const dir = await tempDir(t);
  const blobs = createFileBlobStore({ dir, maxBytes: 1_000 });
  t.teardown(() => blobs.close());
  // A file where a top-level directory belongs: readdir fails with ENOTDIR, not ENOENT.
  await writeFile(join(dir, "00"), "not a directory");
  const bytes = Buffer.from("after the failure");
  await t.rejects(blobs.put(sha256Hex(bytes), bytes), { code: "ENOTDIR" });
  await rm(join(dir, "00"));
  t.equal(await blobs.put(sha256Hex(bytes), bytes), true, "written once the directory reads");
  t.equal(await blobs.bytes(), bytes.length);
});
