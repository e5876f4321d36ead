import { createHash } from "node:crypto";
import { join } from "node:path";
import { pino } from "pino";
import t from "tap";
import { createFileBlobStore } from "../../../src/store/file-blob-store.ts";
import type { SyntheticPair } from "../../../trainer/core/synthetic-pair.ts";
import { readRecords } from "../../../trainer/io/record-journal.ts";
import { DEFAULT_ITERATION_POLICY } from "../../../trainer/stages/iteration-context.ts";
import { type JudgeRecord, runJudgeFilter } from "../../../trainer/stages/judge-filter.ts";
import { encodedImage } from "../../src/images/budget-images.ts";
import { openSimFleet } from "../eval/evaluate-fixtures.ts";
import { openPair, writeSynthesizedPairs } from "./synthesized-pairs.ts";

// A collected image can vanish between intake and a later stage: a file blob store's TTL sweep
// (JURIST_BLOB_TTL_MS) or an operator deleted it. The stage skips that prompt with a reason;
// before, the ENOENT failed the iteration, and every retry resumed into the same failure.
t.test("an image swept after intake is a skip with a reason, not a failed iteration", async (t) => {
  const dir = t.testdir();
  let clock = 0;
  const blobs = createFileBlobStore({ dir: join(dir, "blobs"), ttlMs: 1_000, now: () => clock });
  t.teardown(() => blobs.close());
  const [kept, swept] = await Promise.all([
    encodedImage("png", 64, 64),
    encodedImage("png", 80, 64),
  ]);
  const pairs: [SyntheticPair, string][] = [];
  for (const [name, bytes] of [
    ["kept", kept],
    ["swept", swept],
  ] as const) {
    const sha = createHash("sha256").update(bytes).digest("hex");
    await blobs.put(sha, bytes);
    const chosen = `The ${name} picture shows a square.`;
    const rejected = `The ${name} picture shows a circle.`;
    pairs.push([
      openPair(name, "What shape is shown?", sha, chosen, rejected),
      join(dir, "blobs", sha.slice(0, 2), sha.slice(2, 4), sha),
    ]);
  }
  await writeSynthesizedPairs(dir, pairs);
  clock += 2_000;
  await blobs.put(pairs[0]![0].imageHashes[0]!, kept);
  t.equal(await blobs.sweep(256), 1, "the TTL swept the image no prompt put again");
  t.equal(await blobs.has(pairs[1]![0].imageHashes[0]!), false);

  const { fleet, checkpoint, imageBudget } = await openSimFleet(t, {}, 1);
  await runJudgeFilter({
    iteration: 1,
    dir,
    seed: 0,
    engine: fleet,
    generator: checkpoint,
    judge: checkpoint,
    init: null,
    policy: DEFAULT_ITERATION_POLICY,
    imageBudget,
    concurrency: 2,
    logger: pino({ level: "silent" }),
    signal: new AbortController().signal,
  });
  const records = await readRecords<JudgeRecord>(join(dir, "judge.jsonl"));
  const byPair = new Map(records.map((record) => [record.id, record]));
  const gone = byPair.get(pairs[1]![0].pairId);
  t.equal(gone?.kept, false, "the swept image's pair is recorded, not kept");
  t.equal(gone?.reason, "image_refused");
  t.match(gone?.detail, /^image_missing: .* is gone/);
  t.ok((byPair.get(pairs[0]![0].pairId)?.judgements.length ?? 0) > 0, "the other was judged");
});
