// The dataset stage's two image forms (JURIST_DATASET_IMAGES), read back the way Hugging Face
// `datasets` reads them. What `datasets` needs for the parquet form to decode as PIL images with
// no cast follows huggingface/datasets at b7cb10b0e38ab8bbefdb142d0279bc85ac8c7ab8 (5.0.1+):
// src/datasets/packaged_modules/parquet/parquet.py takes the features from the schema metadata
// key "huggingface" ({"info": {"features": ...}}) via Features.from_arrow_schema
// (src/datasets/features/features.py), which keeps a column's feature only when the Arrow field
// it implies equals the file's, so every field is nullable and every list's element is called
// "item", pa.list_'s child name (pyarrow before 11 compared it; ARROW-14999); and
// src/datasets/features/image.py stores an Image as the struct {bytes: binary, path: string}, in
// that order. The features below are written out by hand from
// those files, not taken from the code under test.
import { readFileSync } from "node:fs";
import { access, mkdir, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { pino } from "pino";
import t from "tap";
import { encodePng } from "../../../sim/png-image.ts";
import { DEFAULT_IMAGE_BUDGET } from "../../../src/images/image-intake.ts";
import {
  buildTrainingExample,
  type TrainingExample,
} from "../../../trainer/core/training-example.ts";
import { readRecords, toJsonl } from "../../../trainer/io/record-journal.ts";
import { runDataset, writtenDatasetPath } from "../../../trainer/stages/dataset.ts";
import {
  DEFAULT_ITERATION_POLICY,
  type IterationContext,
} from "../../../trainer/stages/iteration-context.ts";
import type { JudgeRecord } from "../../../trainer/stages/judge-filter.ts";
import { samplePair, says } from "../fixtures.ts";

const logger = pino({ level: "silent" });

const value = (dtype: string) => ({ dtype, _type: "Value" });
const EXPECTED_FEATURES = {
  messages: [
    { role: value("string"), content: [{ type: value("string"), text: value("string") }] },
  ],
  images: [{ _type: "Image" }],
  lineage: {
    promptId: value("string"),
    pairId: value("string"),
    generator: value("string"),
    generatorPromptVersion: value("string"),
    judgeCheckpoint: value("string"),
    initCheckpoint: value("string"),
    iteration: value("int64"),
    templateVersion: value("string"),
    order: value("string"),
    questionKind: value("string"),
    flipped: value("bool"),
  },
};

function contextFor(dir: string): IterationContext {
  return {
    iteration: 1,
    dir,
    seed: 0,
    engine: { session: () => ({}) as never },
    generator: "gen-model",
    judge: "judge-ckpt",
    init: null,
    policy: DEFAULT_ITERATION_POLICY,
    imageBudget: DEFAULT_IMAGE_BUDGET,
    concurrency: 1,
    logger,
    signal: new AbortController().signal,
  } as IterationContext;
}

/**
 * An iteration directory whose judge stage kept two pairs in both orders: one pair with one
 * PNG, one with two (a PNG and a JPEG-magic file, so the bytes differ in kind and size).
 */
async function judgedIteration(dir: string): Promise<void> {
  await mkdir(join(dir, "images"), { recursive: true });
  const png = (name: string, seed: number) => {
    const path = join(dir, "images", name);
    return writeFile(
      path,
      encodePng(9 + seed, 7, (x, y) => [x * 20 + seed, y * 30, 77]),
    ).then(() => path);
  };
  const jpeg = join(dir, "images", "photo.jpg");
  await writeFile(jpeg, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0, 255, 0xff, 0xd9]));
  const imageSets = [[await png("one.png", 1)], [await png("two.png", 2), jpeg]];
  const records: JudgeRecord[] = imageSets.map((imagePaths, i) => {
    const pair = samplePair(`col_${i}`, { imageHashes: imagePaths.map((_, k) => `${i}${k}`) });
    const examples = (["AB", "BA"] as const).map((order) =>
      buildTrainingExample({
        pair,
        order,
        trace: says(order === "AB" ? "A" : "B", `Reasons ${i} ${order}.`),
        imagePaths,
        judgeCheckpoint: "judge-ckpt",
        iteration: 1,
      }),
    );
    return {
      id: pair.promptId,
      pair,
      imagePaths,
      judgeCheckpoint: "judge-ckpt",
      judgements: [],
      kept: true,
      examples,
    };
  });
  await writeFile(join(dir, "judge.jsonl"), toJsonl(records));
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** An example as Arrow gives it back: every part has both keys, image parts `text: null`. */
function asArrowRow(example: TrainingExample) {
  return {
    messages: example.messages.map((m) => ({
      role: m.role,
      content: m.content.map((p) => ({ type: p.type, text: p.type === "text" ? p.text : null })),
    })),
    lineage: { ...example.lineage, iteration: BigInt(example.lineage.iteration), flipped: null },
  };
}

t.test("embedded: a parquet file datasets decodes to PIL images without a cast", async (t) => {
  const dir = t.testdir();
  await judgedIteration(dir);
  const ctx = contextFor(dir);
  const paths = await runDataset(ctx, { holdoutFraction: 0, benchmarkItems: 0 }, "paths");
  const jsonl = await readRecords<TrainingExample>(paths.datasetPath);
  t.equal(jsonl.length, 4, "two pairs, both orders");

  const written = await runDataset(ctx, { holdoutFraction: 0, benchmarkItems: 0 }, "embedded");
  t.equal(written.datasetPath, join(dir, "dataset.parquet"));
  t.equal(written.examples, 4);
  t.notOk(await exists(paths.datasetPath), "the JSONL of the other form is removed");
  t.equal(await writtenDatasetPath(ctx, "paths"), written.datasetPath, "the fine-tune finds it");

  const file = await asyncBufferFromFile(written.datasetPath);
  const metadata = await parquetMetadataAsync(file);
  const hf = metadata.key_value_metadata?.find((kv) => kv.key === "huggingface");
  t.ok(hf, "the schema metadata has the huggingface key");
  t.strictSame(JSON.parse(hf!.value!), { info: { features: EXPECTED_FEATURES } });

  const schema = metadata.schema.map((e) => ({
    name: e.name,
    type: e.type,
    converted: e.converted_type,
    repetition: e.repetition_type,
  }));
  const listElements = schema.filter((_, i) => schema[i - 1]?.repetition === "REPEATED");
  t.strictSame(
    listElements.map((e) => e.name),
    ["item", "item", "item"],
    "messages, content and images name their element `item`, as pa.list_ does",
  );
  t.ok(
    schema.slice(1).every((e) => e.repetition === "OPTIONAL" || e.repetition === "REPEATED"),
    "every field nullable, as Arrow's are by default",
  );
  const images = schema.findIndex((e) => e.name === "images");
  t.strictSame(
    schema.slice(images + 2, images + 5),
    [
      { name: "item", type: undefined, converted: undefined, repetition: "OPTIONAL" },
      { name: "bytes", type: "BYTE_ARRAY", converted: undefined, repetition: "OPTIONAL" },
      { name: "path", type: "BYTE_ARRAY", converted: "UTF8", repetition: "OPTIONAL" },
    ],
    "an image is the struct {bytes: binary, path: string}, in that order",
  );

  const rows = (await parquetReadObjects({ file, utf8: false })) as {
    messages: unknown;
    images: { bytes: Uint8Array; path: string }[];
    lineage: unknown;
  }[];
  t.equal(rows.length, jsonl.length);
  rows.forEach((row, i) => {
    const example = jsonl[i]!;
    t.strictSame(
      { messages: row.messages, lineage: row.lineage },
      asArrowRow(example),
      `row ${i}: the JSONL's conversation and lineage`,
    );
    t.equal(row.images.length, example.images.length, `row ${i}: one image per path`);
    row.images.forEach((image, k) => {
      t.ok(
        Buffer.from(image.bytes).equals(readFileSync(example.images[k]!)),
        `row ${i} image ${k}: the file's bytes, byte for byte`,
      );
      t.equal(image.path, basename(example.images[k]!), "and its name");
    });
  });
});

t.test("paths after embedded: the JSONL again, and the parquet file removed", async (t) => {
  const dir = t.testdir();
  await judgedIteration(dir);
  const ctx = contextFor(dir);
  await runDataset(ctx, { holdoutFraction: 0, benchmarkItems: 0 }, "embedded");
  const again = await runDataset(ctx, { holdoutFraction: 0, benchmarkItems: 0 }, "paths");
  t.equal(again.datasetPath, join(dir, "dataset.jsonl"));
  t.notOk(await exists(join(dir, "dataset.parquet")));
  t.equal(await writtenDatasetPath(ctx, "embedded"), again.datasetPath);
  const examples = await readRecords<TrainingExample>(again.datasetPath);
  t.ok(
    examples.every((e) => e.images.every((path) => path.startsWith(join(dir, "images")))),
    "absolute image paths",
  );
});

t.test("an unreadable image fails the stage and leaves no parquet file", async (t) => {
  const dir = t.testdir();
  await judgedIteration(dir);
  await writeFile(
    join(dir, "judge.jsonl"),
    readFileSync(join(dir, "judge.jsonl"), "utf8").replaceAll("photo.jpg", "gone.jpg"),
  );
  const ctx = contextFor(dir);
  await t.rejects(runDataset(ctx, { holdoutFraction: 0, benchmarkItems: 0 }, "embedded"), {
    code: "ENOENT",
  });
  t.notOk(await exists(join(dir, "dataset.parquet")), "no half-written file under the final name");
});
