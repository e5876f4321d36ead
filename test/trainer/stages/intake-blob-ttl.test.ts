import { join } from "node:path";
import { pino } from "pino";
import t from "tap";
import { loadConfig } from "../../../src/config/config.ts";
import { sha256Hex } from "../../../src/store/blob-hash.ts";
import { blobFilePath, createFileBlobStore } from "../../../src/store/file-blob-store.ts";
import { createMemoryPromptLog } from "../../../src/store/memory-prompt-log.ts";
import type { PromptRecord } from "../../../src/store/prompt-log.ts";
import { intakePromptStream } from "../../../trainer/stages/stream-intake.ts";
import { intakeBlobsFor } from "../../../trainer/worker/intake-blobs.ts";
import { memorySink } from "./memory-intake-sink.ts";

function record(id: string, sha256: string, at: number): PromptRecord {
  return {
    id,
    tenant: "acme",
    question: `What is in picture ${id}?`,
    imageHashes: [sha256],
    responses: ["a", "b"],
    verdict: { winner: "A", probabilityA: 0.8, consistent: true },
    checkpoint: "judge",
    at,
    contentHash: `content-${id}`,
  };
}

// With JURIST_BLOB_STORE=file and its TTL (7 days by default), the trainer reads images where
// the gateways wrote them, by path, in every stage up to the fine-tune days later. A prompt
// taken from a backlog keeps its image's first date unless intake puts it again, and the sweep
// could take the file mid-iteration: the fine-tune (a `paths` dataset) then fails on the
// missing file, on every retry. Intake puts each image again, as the s3 mode's local copies.
t.test("file store: intake restarts the TTL of the images it takes", async (t) => {
  const dir = t.testdir();
  const config = loadConfig({
    JURIST_DATA_DIR: join(dir, "data"),
    JURIST_LOG_LEVEL: "silent",
    JURIST_BLOB_TTL_MS: "1000",
  });
  let clock = 0;
  const blobs = createFileBlobStore({
    dir: join(config.dataDir, "blobs"),
    ttlMs: 1_000,
    now: () => clock,
  });
  t.teardown(() => blobs.close());
  const bytes = Buffer.from("a collected picture");
  const sha = sha256Hex(bytes);
  await blobs.put(sha, bytes);
  const log = createMemoryPromptLog({ maxLength: 100 });
  await log.appendBatch([record("1", sha, 0)], 0);

  clock = 900; // the trainer takes the prompt late in its image's life
  const { sink, admitted } = memorySink();
  await intakePromptStream(
    sink,
    {
      consumer: log.consumer({ group: "trainer", consumer: "test" }),
      blobPath: (sha256) => blobFilePath(join(config.dataDir, "blobs"), sha256),
      blobs: intakeBlobsFor(config, blobs, pino({ level: "silent" })),
      maxPrompts: 10,
    },
    new AbortController().signal,
  );
  t.equal(admitted.length, 1);

  clock = 1_500; // past the first put's TTL, within the intake's
  t.equal(await blobs.sweep(256), 0, "the sweep keeps an image an iteration has just taken");
  t.equal(await blobs.has(sha), true, "still readable at its path for the later stages");
  clock = 2_000;
  t.equal(await blobs.sweep(256), 1, "and expires it a TTL after the intake");
});
