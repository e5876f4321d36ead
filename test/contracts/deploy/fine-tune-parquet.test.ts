// The TRL template's stdlib side on the trainer's parquet form (JURIST_DATASET_IMAGES=embedded):
// dataset_check.py and parquet_rows.py read the file with python3 alone, the same rows and image
// bytes hyparquet wrote, and refuse the files Hugging Face `datasets` would not decode to PIL
// images without a cast. What `datasets` needs follows huggingface/datasets at
// b7cb10b0e38ab8bbefdb142d0279bc85ac8c7ab8 (5.0.1+): packaged_modules/parquet/parquet.py and
// Features.from_arrow_schema in features/features.py (the "huggingface" schema metadata, used only
// when the Arrow field it implies equals the file's, so list elements must be called "item", as
// pa.list_ names them); features/image.py (an Image is the struct {bytes, path}). The parquet
// layout parquet_rows.py reads follows apache/parquet-format's parquet.thrift and Encodings.md.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileWriter, parquetWriteRows, type SchemaElement } from "hyparquet-writer";
import t from "tap";
import { buildTrainingExample } from "../../../trainer/core/training-example.ts";
import {
  DATASET_COLUMNS,
  datasetSchema,
  huggingFaceMetadata,
  writeDatasetParquet,
} from "../../../trainer/io/dataset-parquet.ts";
import { samplePair, says } from "../../trainer/fixtures.ts";
import { needs, run, TRL_DIR, writeDataset } from "./fine-tune-fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "jurist-fine-tune-parquet-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const { examples } = writeDataset(dir);
// A text-only prompt too: its images list is empty, a case of its own in the levels.
const textOnly = buildTrainingExample({
  pair: samplePair("col_text", { imageHashes: [] }),
  order: "AB",
  trace: says("A"),
  imagePaths: [],
  judgeCheckpoint: "base-model",
  iteration: 1,
});
const all = [...examples, textOnly];
const parquet = join(dir, "dataset.parquet");
await writeDatasetParquet(parquet, all);

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** Python that makes importing the training libraries fail, then runs `code`. */
function stdlibOnly(code: string): string {
  return [
    "import sys",
    `sys.path.insert(0, ${JSON.stringify(TRL_DIR)})`,
    "for name in ('torch', 'transformers', 'trl', 'peft', 'datasets', 'accelerate', 'PIL', 'numpy', 'pyarrow'):",
    "    sys.modules[name] = None",
    code,
  ].join("\n");
}

t.test(
  "parquet_rows reads back every row hyparquet wrote, bytes included",
  needs("python3"),
  async (t) => {
    const code = stdlibOnly(
      [
        "import hashlib, json",
        "from parquet_rows import ParquetFile",
        `f = ParquetFile(${JSON.stringify(parquet)})`,
        "rows = [dict(r, images=[{'sha256': hashlib.sha256(i['bytes']).hexdigest(), 'size': len(i['bytes']), 'path': i['path']} for i in r['images']]) for r in f.rows()]",
        "print(json.dumps({'num_rows': f.num_rows, 'features': f.huggingface_features(), 'rows': rows}))",
      ].join("\n"),
    );
    const result = run("python3", ["-c", code]);
    t.equal(result.status, 0, result.stderr);
    const read = JSON.parse(result.stdout);
    t.equal(read.num_rows, all.length);
    t.strictSame(read.features, JSON.parse(huggingFaceMetadata()).info.features);
    t.equal(read.rows.length, all.length);
    read.rows.forEach(
      (
        row: { messages: unknown; images: unknown[]; lineage: Record<string, unknown> },
        i: number,
      ) => {
        const example = all[i]!;
        t.strictSame(
          row.messages,
          example.messages.map((m) => ({
            role: m.role,
            content: m.content.map((p) => ({
              type: p.type,
              text: p.type === "text" ? p.text : null,
            })),
          })),
          `row ${i}: the conversation, image parts with text null as Arrow gives them`,
        );
        t.strictSame(
          row.images,
          example.images.map((path) => {
            const bytes = readFileSync(path);
            return { sha256: sha256(bytes), size: bytes.length, path: basename(path) };
          }),
          `row ${i}: each image's bytes, byte for byte (by SHA-256 and length)`,
        );
        t.strictSame(row.lineage, { ...example.lineage, flipped: null }, `row ${i}: the lineage`);
      },
    );
  },
);

t.test(
  "--check-dataset accepts the parquet form, standard library only",
  needs("python3"),
  async (t) => {
    const code = stdlibOnly(
      `import train_judge\nsys.exit(train_judge.main(["--check-dataset", ${JSON.stringify(parquet)}]))`,
    );
    const result = run("python3", ["-c", code]);
    t.equal(result.status, 0, result.stderr);
    t.match(
      result.stdout,
      /dataset OK: .*dataset\.parquet: 5 examples, 3 embedded images, verdicts \[\[A\]\] 3 \/ \[\[B\]\] 2/,
    );
    const dry = run(
      join(TRL_DIR, "fine-tune.sh"),
      ["--dataset", parquet, "--output", join(dir, "out"), "--base-model", "m"],
      { env: { JURIST_FINE_TUNE_DRY_RUN: "1" } },
    );
    t.equal(dry.status, 0, dry.stderr);
    t.match(dry.stderr, /dataset OK/, "fine-tune.sh checks it, then launches");
    t.match(dry.stdout, /train_judge\.py\n--dataset\n.*dataset\.parquet\n/);
  },
);

/** A parquet file of the examples' rows with the schema and metadata changed by the caller. */
async function variant(
  name: string,
  options: { schema?: SchemaElement[]; kvMetadata?: { key: string; value: string }[] },
  image = (path: string) => new Uint8Array(readFileSync(path)),
): Promise<string> {
  const file = join(dir, name);
  const rows = all.map((e) => ({
    messages: e.messages.map((m) => ({
      role: m.role,
      content: m.content.map((p) => ({ type: p.type, text: p.type === "text" ? p.text : null })),
    })),
    images: e.images.map((path) => ({ bytes: image(path), path: basename(path) })),
    lineage: { ...e.lineage, iteration: BigInt(e.lineage.iteration), flipped: null },
  }));
  await parquetWriteRows({
    writer: fileWriter(file),
    rows,
    columns: DATASET_COLUMNS.map(([column]) => ({ name: column })),
    schema: options.schema ?? datasetSchema(),
    kvMetadata: options.kvMetadata ?? [{ key: "huggingface", value: huggingFaceMetadata() }],
  });
  return file;
}

t.test(
  "--check-dataset refuses what datasets would not decode to images",
  needs("python3"),
  async (t) => {
    const check = (file: string) =>
      run("python3", [join(TRL_DIR, "train_judge.py"), "--check-dataset", file]);

    // The parquet spec's own element name: Arrow reads list<element: ...>, unequal to pa.list_.
    const element = await variant("element.parquet", {
      schema: datasetSchema().map((e, i, all) =>
        all[i - 1]?.repetition_type === "REPEATED" ? { ...e, name: "element" } : e,
      ),
    });
    const named = check(element);
    t.equal(named.status, 1);
    t.match(named.stderr, /list messages names its element 'element'/);
    t.match(named.stderr, /list images names its element 'element'/);

    const bare = check(await variant("no-features.parquet", { kvMetadata: [] }));
    t.equal(bare.status, 1);
    t.match(bare.stderr, /no Hugging Face features in the schema metadata/);

    const features = JSON.parse(huggingFaceMetadata());
    features.info.features.images = [
      { bytes: { dtype: "binary", _type: "Value" }, path: { dtype: "string", _type: "Value" } },
    ];
    const plain = check(
      await variant("struct-images.parquet", {
        kvMetadata: [{ key: "huggingface", value: JSON.stringify(features) }],
      }),
    );
    t.equal(plain.status, 1);
    t.match(plain.stderr, /the images feature is .*not a list of Image/);

    const text = check(
      await variant("not-images.parquet", {}, () => new TextEncoder().encode("text")),
    );
    t.equal(text.status, 1);
    t.match(text.stderr, /row 0: image 0 \(one\.png\) is not a PNG, JPEG, GIF or WebP image/);
    t.match(text.stderr, /4 bad examples, on rows 0, 1, 2, 3/, "the text-only row is fine");

    writeFileSync(
      join(dir, "broken.parquet"),
      Buffer.concat([Buffer.from("PAR1"), Buffer.alloc(20)]),
    );
    const broken = check(join(dir, "broken.parquet"));
    t.equal(broken.status, 1);
    t.match(broken.stderr, /cannot read it as parquet/);
  },
);
