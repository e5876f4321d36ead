import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import type { Test } from "tap";
import t from "tap";
import { createPromptCollector } from "../../../src/collection/prompt-collector.ts";
import { createFileBlobStore } from "../../../src/store/file-blob-store.ts";
import { createRedisClient } from "../../../src/store/redis-client.ts";
import { createRedisPromptLog } from "../../../src/store/redis-prompt-log.ts";
import { startRedis } from "../../helpers/redis-server.ts";
import {
  collectInput,
  countingObserver,
  failOnUnhandledRejection,
  resolvedImage,
  waitFor,
} from "../../src/collection/collector-fixtures.ts";

failOnUnhandledRejection(t);

async function setup(t: Test, maxBuffer: number) {
  const server = await startRedis(t);
  const logger = pino({ level: "silent" });
  const client = createRedisClient({ url: server.url, keyPrefix: "jurist-test:", logger });
  t.teardown(() => client.close());
  t.equal(await client.ready(), true);
  const dir = await mkdtemp(join(tmpdir(), "jurist-blobs-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));

  const log = createRedisPromptLog({ client, maxLength: 10_000 });
  const { observer, counts, droppedTotal } = countingObserver();
  const collector = createPromptCollector({
    log,
    blobs: createFileBlobStore({ dir }),
    settings: {
      defaultRate: 1,
      tenantRates: {},
      dedupWindowMs: 60_000,
      maxBuffer,
      flushIntervalMs: 25,
      maxBatch: 10,
    },
    observer,
    logger,
  });
  t.teardown(() => collector.close());
  const image = resolvedImage(Buffer.from("a shared picture"));
  const offer = (i: number) => collector.offer(collectInput(i, { images: [image] }));
  return { server, client, log, collector, counts, droppedTotal, offer };
}

t.test(
  "a Redis outage buffers up to the bound, drops and counts the rest, then drains",
  async (t) => {
    const maxBuffer = 50;
    const { server, client, log, collector, counts, droppedTotal, offer } = await setup(
      t,
      maxBuffer,
    );

    for (let i = 0; i < 20; i++) offer(i);
    await waitFor(() => counts.appended === 20);

    await server.stop(true);
    await waitFor(() => client.status() === "degraded");
    for (let i = 20; i < 150; i++) {
      offer(i);
      offer(i); // a duplicate while buffered; dropped again once the buffer is full
      if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await waitFor(() => counts.flushFailed >= 3);
    t.equal(collector.buffered(), maxBuffer, "buffered up to the bound");
    const overflow = 130 - maxBuffer;
    t.same(counts.dropped, { buffer_full: 2 * overflow }, "the rest dropped and counted");

    await server.start();
    await waitFor(() => collector.buffered() === 0, 15_000);
    t.equal(await log.length(), maxBuffer, "the buffer drained into the restarted (empty) Redis");
    t.equal(counts.appended, 20 + maxBuffer);
    t.equal(counts.duplicates, maxBuffer, "second offers of buffered prompts");
    t.equal(counts.sampled, 20 + 2 * 130);
    t.equal(
      counts.sampled,
      counts.appended + counts.duplicates + droppedTotal(),
      "accounting adds up",
    );
    t.equal(counts.imagesStored, 1, "the shared image was written once");
  },
);

t.test(
  "Redis killed and restarted while prompts keep coming: nothing is lost uncounted",
  async (t) => {
    const maxBuffer = 100;
    const { server, collector, counts, droppedTotal, offer } = await setup(t, maxBuffer);
    let next = 0;
    let largest = 0;
    const offerFor = async (ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        for (let i = 0; i < 5; i++) offer(next++);
        largest = Math.max(largest, collector.buffered());
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    };
    await offerFor(300);
    await server.stop(true);
    await offerFor(600);
    await server.start();
    await offerFor(300);
    await waitFor(() => collector.buffered() === 0, 15_000);
    t.ok(largest <= maxBuffer, `the buffer never held more than ${maxBuffer} (${largest})`);
    t.ok(counts.flushFailed > 0, "writes failed during the outage");
    t.ok((counts.dropped.buffer_full ?? 0) > 0, "and the overflow was dropped");
    t.equal(counts.sampled, next);
    t.equal(
      counts.sampled,
      counts.appended + counts.duplicates + droppedTotal(),
      "accounting adds up",
    );
  },
);
