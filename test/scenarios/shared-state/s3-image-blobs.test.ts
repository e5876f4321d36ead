import { access } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import t from "tap";
import { sha256Hex } from "../../../src/store/blob-hash.ts";
import { blobDir } from "../../../src/store/create-blob-store.ts";
import { blobFilePath } from "../../../src/store/file-blob-store.ts";
import { createS3BlobStore } from "../../../src/store/s3-blob-store.ts";
import { createS3Client } from "../../../src/store/s3-client.ts";
import { intakePromptStream } from "../../../trainer/stages/stream-intake.ts";
import { intakeBlobsFor } from "../../../trainer/worker/intake-blobs.ts";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { startGateway } from "../../helpers/gateway.ts";
import { S3RVER_CREDENTIALS, startS3, type TestS3 } from "../../helpers/s3-server.ts";
import { encodedImage } from "../../src/images/budget-images.ts";
import { memorySink } from "../../trainer/stages/memory-intake-sink.ts";

// A gateway with JURIST_BLOB_STORE=s3 collects image prompts into s3rver 3.7.1 on loopback
// (through @aws-sdk/client-s3 3.1178, credentials from the SDK's default chain: here the
// environment), keeps judging through an S3 outage, and the trainer's stream intake reads the
// images back and deletes what it consumed. s3rver runs no lifecycle rules; on S3 a rule
// expires what the trainer leaves (daily, asynchronously: docs/operations.md).

process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;

/** A gateway's env that collects every prompt into `s3`, deletes due at once. */
function collectingToS3(s3: TestS3): Record<string, string> {
  return {
    JURIST_COLLECT_RATE: "1",
    JURIST_COLLECT_FLUSH_MS: "20",
    JURIST_BLOB_STORE: "s3",
    JURIST_S3_BUCKET: s3.bucket,
    JURIST_S3_ENDPOINT: s3.endpoint,
    JURIST_S3_FORCE_PATH_STYLE: "true",
    JURIST_BLOB_DELETE_MARGIN_MS: "0",
  };
}

/** A pairwise judgement of `question` about one PNG, which the gateway collects. */
function judgeImage(fastify: FastifyInstance, image: Buffer, question: string) {
  return fastify.inject({
    method: "POST",
    url: "/v1/judge/pairwise",
    payload: {
      ...validPairwiseBody(),
      question,
      images: [{ url: `data:image/png;base64,${image.toString("base64")}` }],
    },
  });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

t.test(
  "collected images go to S3 through an outage; the trainer reads and deletes them",
  async (t) => {
    const s3 = await startS3(t);
    const { fastify, runtime } = await startGateway(t, {
      env: {
        ...collectingToS3(s3),
        JURIST_S3_MAX_ATTEMPTS: "1",
        JURIST_S3_REQUEST_TIMEOUT_MS: "2000",
      },
    });
    const bucket = createS3BlobStore({
      client: createS3Client({ ...runtime.config.blobs.s3 }),
      bucket: s3.bucket,
      prefix: runtime.config.blobs.s3.prefix,
    });
    t.teardown(() => bucket.close());
    const log = runtime.stores.promptLog;
    const until = async (check: () => Promise<boolean>) => {
      for (let i = 0; i < 500 && !(await check()); i++) await sleep(20);
    };
    async function judge(image: Buffer, question: string) {
      const response = await judgeImage(fastify, image, question);
      t.equal(response.statusCode, 200, `${question}: judged`);
    }
    const metric = async (reason: string) => {
      const text = (await fastify.inject({ method: "GET", url: "/metrics" })).body;
      const line = text
        .split("\n")
        .find((l) =>
          l.startsWith(`jurist_collection_prompts_total{event="flush_failed",reason="${reason}"}`),
        );
      return Number(line?.split(" ").at(-1) ?? Number.NaN);
    };

    const [first, second, third] = await Promise.all(
      [120, 140, 160].map((width) => encodedImage("png", width, 100)),
    );
    await judge(first!, "What is in the first picture?");
    await until(async () => (await log.length()) === 1);
    t.same(await bucket.get(sha256Hex(first!)), first, "put: the bucket holds the caller's bytes");

    // The outage: judging answers, collection keeps the record buffered and counts the failure.
    await s3.stop();
    await judge(second!, "What is in the second picture?");
    await until(async () => (await metric("blob_store")) > 0);
    t.ok((await metric("blob_store")) > 0, "flush_failed{reason=blob_store} counts the outage");
    t.equal(await log.length(), 1, "nothing appended while the images cannot be stored");
    await s3.start();
    await until(async () => (await log.length()) === 2);
    t.equal(await log.length(), 2, "the buffered record is written once S3 is back");
    await judge(third!, "What is in the third picture?");
    await until(async () => (await log.length()) === 3);

    // The trainer: one intake round copies every image locally and deletes the consumed ones
    // last put before the newest prompt's collection (the margin is 0 here); the newest
    // prompt's own image, put after it was collected, stays for the lifecycle rule.
    const { sink, admitted, skipped } = memorySink();
    const config = runtime.config;
    const taken = await intakePromptStream(
      sink,
      {
        consumer: log.consumer({ group: "trainer", consumer: "test" }),
        blobPath: (sha256) => blobFilePath(blobDir(config), sha256),
        blobs: intakeBlobsFor(config, runtime.stores.blobs, pino({ level: "silent" })),
        maxPrompts: 10,
      },
      new AbortController().signal,
    );
    t.equal(taken, 3);
    t.same(skipped, []);
    t.equal(admitted.length, 3);
    for (const prompt of admitted) {
      t.ok(await exists(prompt.images[0]!), `${prompt.question}: readable at its local path`);
    }
    t.equal(await bucket.has(sha256Hex(first!)), false, "consumed: deleted from the bucket");
    t.equal(await bucket.has(sha256Hex(second!)), false, "consumed: deleted from the bucket");
    t.equal(await bucket.has(sha256Hex(third!)), true, "put after the newest prompt: kept");
  },
);

// The dedup race: an image the trainer consumed is collected again by a newer prompt before
// the trainer deletes. The collector's put restarts the blob's age, so the delete passes it
// over and the newer prompt finds its image; one that expired (or was deleted) is skipped as
// missing_image, counted, not a crash.
t.test("a consumed image collected again stays; a vanished one is a counted skip", async (t) => {
  const s3 = await startS3(t);
  const { fastify, runtime } = await startGateway(t, {
    env: {
      ...collectingToS3(s3),
    },
  });
  const log = runtime.stores.promptLog;
  const shared = await encodedImage("png", 130, 90);
  const gone = await encodedImage("png", 150, 90);
  const post = (image: Buffer, question: string) => judgeImage(fastify, image, question);
  const until = async (n: number) => {
    for (let i = 0; i < 500 && (await log.length()) < n; i++) await sleep(20);
  };
  await post(shared, "first look");
  await until(1);
  await post(gone, "a picture that will vanish");
  await until(2);
  // s3rver's LastModified and the put-at metadata are read back against record times.
  await sleep(1_100);
  await post(shared, "second look, same picture");
  await until(3);
  await runtime.stores.blobs.deleteUnusedSince([sha256Hex(gone)], new Date(Date.now() + 60_000));
  const config = runtime.config;
  const consumer = log.consumer({ group: "trainer", consumer: "test" });
  const intake = (maxPrompts: number) => {
    const out = memorySink();
    const run = intakePromptStream(
      out.sink,
      {
        consumer,
        blobPath: (sha256) => blobFilePath(blobDir(config), sha256),
        blobs: intakeBlobsFor(config, runtime.stores.blobs, pino({ level: "silent" })),
        maxPrompts,
        batchSize: 1,
      },
      new AbortController().signal,
    );
    return run.then(() => out);
  };
  const firstBatch = await intake(1);
  t.equal(firstBatch.admitted[0]?.question, "first look");
  t.equal(
    await runtime.stores.blobs.has(sha256Hex(shared)),
    true,
    "not deleted: a newer prompt put it after the consumed one was collected",
  );
  const rest = await intake(2);
  t.same(
    rest.skipped.map((skip) => skip.reason),
    ["missing_image"],
    "the vanished image's prompt is skipped with a reason",
  );
  t.same(
    rest.admitted.map((prompt) => prompt.question),
    ["second look, same picture"],
  );
});
