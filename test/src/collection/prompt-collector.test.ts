import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import type { Test } from "tap";
import t from "tap";
import {
  type CollectorSettings,
  createPromptCollector,
} from "../../../src/collection/prompt-collector.ts";
import { samplingPoint } from "../../../src/collection/sampling.ts";
import type { Verdict } from "../../../src/judge/verdict.ts";
import type { BlobStore } from "../../../src/store/blob-store.ts";
import { createFileBlobStore } from "../../../src/store/file-blob-store.ts";
import { createMemoryBlobStore } from "../../../src/store/memory-blob-store.ts";
import { createMemoryPromptLog } from "../../../src/store/memory-prompt-log.ts";
import type { PromptLog } from "../../../src/store/prompt-log.ts";
import {
  collectInput,
  countingObserver,
  failOnUnhandledRejection,
  resolvedImage,
} from "./collector-fixtures.ts";

failOnUnhandledRejection(t);

const SETTINGS: CollectorSettings = {
  defaultRate: 1,
  tenantRates: {},
  dedupWindowMs: 60_000,
  maxBuffer: 10_000,
  // Long enough that tests decide when to flush.
  flushIntervalMs: 60_000,
  maxBatch: 100_000,
};

function setup(
  t: Test,
  settings: Partial<CollectorSettings> = {},
  stores: { log?: PromptLog; blobs?: BlobStore } = {},
) {
  const log = stores.log ?? createMemoryPromptLog({ maxLength: 100_000 });
  const blobs = stores.blobs ?? createMemoryBlobStore();
  const { observer, counts, droppedTotal } = countingObserver();
  const collector = createPromptCollector({
    log,
    blobs,
    settings: { ...SETTINGS, ...settings },
    observer,
    logger: pino({ level: "silent" }),
  });
  t.teardown(() => collector.close());
  return { collector, log, blobs, counts, droppedTotal };
}

/** A log whose appends fail while `down` is set. */
function flakyLog(inner: PromptLog) {
  const state = { down: false };
  const log: PromptLog = {
    appendBatch: (records, windowMs) =>
      state.down ? Promise.reject(new Error("log down")) : inner.appendBatch(records, windowMs),
    length: () => inner.length(),
    tail: (count) => inner.tail(count),
    consumer: (options) => inner.consumer(options),
  };
  return { log, state };
}

t.test("about a quarter of 2,000 distinct prompts are sampled at 0.25, reproducibly", async (t) => {
  const runs = [];
  for (let run = 0; run < 2; run++) {
    const { collector, log, counts } = setup(t, { defaultRate: 0.25 });
    for (let i = 0; i < 2_000; i++) collector.offer(collectInput(i));
    await collector.flush();
    const kept = await log.tail(2_000);
    t.equal(counts.sampled, kept.length);
    t.equal(counts.skipped.not_sampled, 2_000 - kept.length);
    t.ok(
      kept.every((record) => samplingPoint(record.tenant, record.contentHash) < 0.25),
      "only prompts below the rate",
    );
    runs.push(kept.map((record) => record.question));
  }
  // Binomial(2000, 0.25): mean 500, sd ≈ 19.4; ±80 is beyond 4 sd.
  t.ok(Math.abs(runs[0]!.length - 500) <= 80, `${runs[0]!.length} sampled`);
  t.same(runs[1], runs[0], "the same prompts both times");
});

t.test("opted-out tenants and collect: false are never sampled", async (t) => {
  const { collector, log, counts } = setup(t, { tenantRates: { quiet: 0, "half-on": 1 } });
  for (let i = 0; i < 50; i++) {
    collector.offer(collectInput(i, { tenant: "quiet" }));
    collector.offer(collectInput(i, { collect: false }));
    collector.offer(collectInput(i, { tenant: "constructor", collect: false }));
  }
  collector.offer(collectInput(1, { tenant: "half-on" }));
  await collector.flush();
  t.same(counts.skipped, { opted_out: 50, request_opt_out: 100 });
  t.equal(await log.length(), 1);
  t.equal((await log.tail(1))[0]?.tenant, "half-on");
});

t.test("a record keeps what the trainer needs, and only that", async (t) => {
  const { collector, log } = setup(t);
  const image = resolvedImage(Buffer.from("pixels"));
  const verdict: Verdict = {
    id: "vrd_7",
    outcome: "ok",
    winner: "B",
    probabilityA: 0.2,
    consistent: false,
    reasoning: "x",
    orders: [],
    checkpoint: "ckpt-3",
    template: "pairwise-v1",
    mode: "reasoned",
    cached: false,
    simulated: true,
    latencyMs: 5,
  };
  collector.offer(collectInput(7, { images: [image], verdict }));
  await collector.flush();
  const [record] = await log.tail(1);
  t.match(record, {
    id: /^col_[0-9a-f]{16}$/,
    tenant: "acme",
    question: "What is in picture 7?",
    imageHashes: [image.sha256],
    responses: ["A cat.", "A dog."],
    verdict: { winner: "B", probabilityA: 0.2, consistent: false },
    checkpoint: "ckpt-3",
    contentHash: /^[0-9a-f]{64}$/,
  });
  t.same(Object.keys(record!.verdict).sort(), ["consistent", "probabilityA", "winner"]);
});

t.test("the same prompt offered 50 times is one record", async (t) => {
  const { collector, log, counts } = setup(t);
  for (let i = 0; i < 25; i++) collector.offer(collectInput(1));
  t.equal(collector.buffered(), 1, "collapsed while buffered");
  await collector.flush();
  for (let i = 0; i < 25; i++) collector.offer(collectInput(1));
  await collector.flush();
  t.equal(await log.length(), 1);
  t.equal(counts.appended, 1);
  t.equal(counts.duplicates, 49);
});

// Every batch that references the image puts it again (restarting its age, so expiry counts
// from the newest record naming it), but only the first put writes it.
t.test("an image shared by many records is stored once, and put again by each batch", async (t) => {
  const blobs = createMemoryBlobStore();
  let puts = 0;
  const counting: BlobStore = {
    put: (sha, bytes) => {
      puts++;
      return blobs.put(sha, bytes);
    },
    get: (sha) => blobs.get(sha),
    has: (sha) => blobs.has(sha),
    deleteUnusedSince: (hashes, cutoff) => blobs.deleteUnusedSince(hashes, cutoff),
    close: () => blobs.close(),
  };
  const { collector, counts } = setup(t, {}, { blobs: counting });
  const bytes = Buffer.from("one shared picture");
  const shared = resolvedImage(bytes);
  for (let i = 0; i < 30; i++) {
    collector.offer(collectInput(i, { images: [shared] }));
    if (i % 10 === 9) await collector.flush();
  }
  t.equal(puts, 3, "one put per batch naming it");
  t.equal(counts.imagesStored, 1, "written once");
  t.equal(counts.appended, 30);
  t.same(await blobs.get(shared.sha256), bytes);
});

t.test("a full buffer drops new records and counts each", async (t) => {
  const { collector, log, counts } = setup(t, { maxBuffer: 10 });
  for (let i = 0; i < 25; i++) collector.offer(collectInput(i));
  t.equal(collector.buffered(), 10);
  t.same(counts.dropped, { buffer_full: 15 });
  await collector.flush();
  t.equal(collector.buffered(), 0);
  t.same(
    (await log.tail(100)).map((record) => record.question),
    Array.from({ length: 10 }, (_, i) => `What is in picture ${i}?`),
    "the oldest were kept",
  );
});

t.test("a full batch is written without waiting for the timer", async (t) => {
  const { collector, log } = setup(t, { maxBatch: 5 });
  for (let i = 0; i < 4; i++) collector.offer(collectInput(i));
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(await log.length(), 0);
  collector.offer(collectInput(4));
  t.equal(collector.buffered(), 5, "offer itself does no writing");
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.equal(await log.length(), 5);
});

t.test("the timer writes buffered records", async (t) => {
  const { collector, log } = setup(t, { flushIntervalMs: 20 });
  collector.offer(collectInput(1));
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.equal(await log.length(), 1);
});

t.test("failed writes keep records buffered until the log is back", async (t) => {
  const { log, state } = flakyLog(createMemoryPromptLog({ maxLength: 1_000 }));
  const { collector, counts, droppedTotal } = setup(t, { maxBuffer: 20, maxBatch: 8 }, { log });
  state.down = true;
  for (let i = 0; i < 30; i++) collector.offer(collectInput(i));
  await collector.flush();
  t.equal(counts.flushFailed, 1);
  t.equal(collector.buffered(), 20);
  state.down = false;
  await collector.flush();
  t.equal(collector.buffered(), 0);
  t.equal(await log.length(), 20);
  t.equal(counts.sampled, counts.appended + counts.duplicates + droppedTotal());
  t.same(counts.dropped, { buffer_full: 10 });
});

t.test("a record whose image bytes do not match their hash is dropped, not retried", async (t) => {
  const { collector, log, counts } = setup(t);
  const liar = { ...resolvedImage(Buffer.from("real")), sha256: "0".repeat(64) };
  collector.offer(collectInput(1, { images: [liar] }));
  collector.offer(collectInput(2));
  await collector.flush();
  t.equal(collector.buffered(), 0);
  t.same(counts.dropped, { invalid_image: 1 });
  t.same(
    (await log.tail(5)).map((record) => record.question),
    ["What is in picture 2?"],
  );
});

t.test("a blob store failure keeps the batch buffered", async (t) => {
  const blobs = createMemoryBlobStore();
  let broken = true;
  const flaky: BlobStore = {
    put: (sha, bytes) => (broken ? Promise.reject(new Error("disk full")) : blobs.put(sha, bytes)),
    get: (sha) => blobs.get(sha),
    has: (sha) => blobs.has(sha),
    deleteUnusedSince: (hashes, cutoff) => blobs.deleteUnusedSince(hashes, cutoff),
    close: () => blobs.close(),
  };
  const { collector, log, counts } = setup(t, {}, { blobs: flaky });
  collector.offer(collectInput(1, { images: [resolvedImage(Buffer.from("img"))] }));
  await collector.flush();
  t.equal(collector.buffered(), 1);
  t.equal(counts.flushFailed, 1);
  t.same(counts.flushFailedBy, { blob_store: 1 }, "the failure names the blob store");
  broken = false;
  await collector.flush();
  t.equal(await log.length(), 1);
});

// One warning per cause, not per attempt: a blob store outage that turns into a prompt log
// outage logs twice, each repeated failure of the same store not again, the recovery once.
t.test("failures are logged once per cause, and the recovery once", async (t) => {
  const lines: { msg: string; cause?: string }[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const memory = createMemoryBlobStore();
  const down = { blobs: true };
  const blobs: BlobStore = {
    ...memory,
    put: (sha, bytes) =>
      down.blobs ? Promise.reject(new Error("S3 down")) : memory.put(sha, bytes),
  };
  const { log, state } = flakyLog(createMemoryPromptLog({ maxLength: 1_000 }));
  const { observer, counts } = countingObserver();
  const collector = createPromptCollector({
    log,
    blobs,
    settings: SETTINGS,
    observer,
    logger,
  });
  t.teardown(() => collector.close());
  collector.offer(collectInput(1, { images: [resolvedImage(Buffer.from("img"))] }));
  for (let i = 0; i < 3; i++) await collector.flush();
  down.blobs = false;
  state.down = true;
  for (let i = 0; i < 3; i++) await collector.flush();
  state.down = false;
  await collector.flush();
  t.same(counts.flushFailedBy, { blob_store: 3, prompt_log: 3 });
  t.same(
    lines.map((line) => [line.msg, line.cause]),
    [
      ["prompt collection write failed", "blob_store"],
      ["prompt collection write failed", "prompt_log"],
      ["prompt collection is writing again", undefined],
    ],
  );
  t.equal(await log.length(), 1);
});

// A bounded file store that is full refuses new blobs: the records naming them are dropped and
// counted (room comes back only as blobs expire, so retrying the batch would block collection),
// while records without images, or with blobs already stored, are still written.
t.test(
  "a full blob store drops the records it refused, counted, and writes the rest",
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "jurist-blobs-"));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const first = resolvedImage(Buffer.alloc(600, 1));
    const second = resolvedImage(Buffer.alloc(600, 2));
    const blobs = createFileBlobStore({ dir, maxBytes: 1_000 });
    t.teardown(() => blobs.close());
    const { collector, log, counts } = setup(t, {}, { blobs });
    collector.offer(collectInput(1, { images: [first] }));
    await collector.flush();
    collector.offer(collectInput(2, { images: [second] }));
    collector.offer(collectInput(3, { images: [first] }));
    collector.offer(collectInput(4));
    await collector.flush();
    t.equal(collector.buffered(), 0, "nothing left to retry");
    t.same(counts.dropped, { blob_store_full: 1 });
    t.same(
      (await log.tail(5)).map((record) => record.question),
      ["What is in picture 1?", "What is in picture 3?", "What is in picture 4?"],
    );
    t.equal(await blobs.has(second.sha256), false);
  },
);

t.test("offer never throws", async (t) => {
  const { collector, counts } = setup(t);
  const broken = { ...collectInput(1), images: null } as unknown as Parameters<
    typeof collector.offer
  >[0];
  t.doesNotThrow(() => collector.offer(broken));
  t.same(counts.dropped, { error: 1 });
});

t.test("close writes what is left, then drops later offers", async (t) => {
  const { collector, log, counts } = setup(t);
  collector.offer(collectInput(1));
  await collector.close();
  t.equal(await log.length(), 1);
  collector.offer(collectInput(2));
  t.same(counts.dropped, { closed: 1 });
  await collector.close();
});

t.test("close gives up after closeTimeoutMs and counts what it lost", async (t) => {
  const hanging: PromptLog = {
    appendBatch: () => new Promise(() => {}),
    length: async () => 0,
    tail: async () => [],
    consumer: () => {
      throw new Error("not read in this test");
    },
  };
  const { collector, counts } = setup(t, { closeTimeoutMs: 100 }, { log: hanging });
  for (let i = 0; i < 3; i++) collector.offer(collectInput(i));
  const started = Date.now();
  await collector.close();
  t.ok(Date.now() - started < 1_000);
  t.same(counts.dropped, { closed: 3 });
  t.equal(collector.buffered(), 0);
});
