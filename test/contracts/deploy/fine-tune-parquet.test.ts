// The TRL template's stdlib side on the trainer's parquet form (JURIST_DATASET_IMAGES=embedded):
// dataset_check.py and parquet_rows.py read the file with python3 alone, the same rows and image
// bytes hyparquet wrote, and refuse the files Hugging Face `datasets` would not decode to PIL
// images without a cast. What `datasets` needs follows huggingface/datasets at
// b7cb10b0e38ab8bbefdb142d0279bc85ac8c7ab8 (5.0.1+): packaged_modules/parquet/parquet.py and
// Features.from_arrow_schema in features/features.py (the "huggingface" schema metadata, used
// when the Arrow field it implies equals the file's); features/image.py (an Image is the struct
// {bytes, path}). The parquet layout parquet_rows.py reads follows apache/parquet-format's
// parquet.thrift and Encodings.md; its codecs parquet.thrift's CompressionCodec (GZIP: RFC 1952,
// written here by Node's zlib as pyarrow's GZIP writes a gzip member). The last test runs the real `datasets` when a python3 with it
// is at hand (JURIST_DATASETS_PYTHON, or python3 itself), and says it skipped otherwise.
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
import { type Codec, parquetCompressors } from "../../trainer/eval/parquet-codecs.ts";
import { samplePair, says } from "../../trainer/fixtures.ts";
import { needs, run, TRL_DIR, writeDataset } from "./fine-tune-fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "jurist-fine-tune-parquet-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const { file: jsonlFile, examples } = writeDataset(dir);
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
  options: {
    schema?: SchemaElement[];
    kvMetadata?: { key: string; value: string }[];
    codec?: Codec;
  },
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
    codec: options.codec ?? "SNAPPY",
    compressors: await parquetCompressors(),
  });
  return file;
}

t.test(
  "--check-dataset refuses what datasets would not decode to images",
  needs("python3"),
  async (t) => {
    const check = (file: string) =>
      run("python3", [join(TRL_DIR, "train_judge.py"), "--check-dataset", file]);

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

/** Each row of `file` as parquet_rows.py reads it, images by SHA-256; or its error. */
function rowsRead(file: string) {
  const code = stdlibOnly(
    [
      "import hashlib, json",
      "from parquet_rows import ParquetFile",
      "f = ParquetFile(sys.argv[1])",
      "print(json.dumps([dict(r, images=[hashlib.sha256(i['bytes']).hexdigest() for i in r['images']]) for r in f.rows()]))",
    ].join("\n"),
  );
  return run("python3", ["-c", code, file]);
}

t.test(
  "a dataset re-saved with GZIP is read; other codecs are refused by name",
  needs("python3"),
  async (t) => {
    const snappy = rowsRead(await variant("snappy.parquet", {}));
    t.equal(snappy.status, 0, snappy.stderr);
    const gzipFile = await variant("gzip.parquet", { codec: "GZIP" });
    const gzip = rowsRead(gzipFile);
    t.equal(gzip.status, 0, gzip.stderr);
    t.strictSame(JSON.parse(gzip.stdout), JSON.parse(snappy.stdout), "the same rows as SNAPPY");
    t.equal(JSON.parse(gzip.stdout).length, all.length);
    const gzipCheck = run("python3", [
      join(TRL_DIR, "train_judge.py"),
      "--check-dataset",
      gzipFile,
    ]);
    t.equal(gzipCheck.status, 0, gzipCheck.stderr);
    t.match(gzipCheck.stdout, /dataset OK: .*gzip\.parquet: 5 examples, 3 embedded images/);

    for (const codec of ["ZSTD", "BROTLI", "LZ4_RAW"] as const) {
      const file = await variant(`${codec}.parquet`, { codec });
      const check = run("python3", [join(TRL_DIR, "train_judge.py"), "--check-dataset", file]);
      t.equal(check.status, 1, codec);
      t.match(
        check.stderr,
        new RegExp(
          `cannot read it as parquet: column [\\w.]+ is compressed with ${codec}, which this ` +
            "standard-library check cannot decode \\(it reads UNCOMPRESSED, SNAPPY, GZIP\\)",
        ),
        `${codec}: named, with the codecs that work`,
      );
    }
  },
);

/** A python3 that imports `datasets` and PIL: JURIST_DATASETS_PYTHON, else python3 if it can. */
function datasetsPython(): { python: string; skip: string | false } {
  const python = process.env.JURIST_DATASETS_PYTHON || "python3";
  const probe = run(python, ["-c", "import datasets, PIL"]);
  if (probe.status === 0) return { python, skip: false };
  return {
    python,
    skip: `SKIPPED: ${python} cannot import datasets and PIL (set JURIST_DATASETS_PYTHON to a python3 that can)`,
  };
}

const withDatasets = datasetsPython();
t.test(
  "datasets.load_dataset('parquet') gives PIL images, no cast; train_judge.py loads both forms",
  { skip: withDatasets.skip },
  async (t) => {
    const code = [
      "import json, sys, datasets",
      "datasets.disable_progress_bars()",
      "from datasets import Image, load_dataset",
      `sys.path.insert(0, ${JSON.stringify(TRL_DIR)})`,
      "import train_judge",
      "parquet, jsonl = sys.argv[1:3]",
      'ds = load_dataset("parquet", data_files=parquet, split="train")',
      "kind = lambda im: type(im).__module__.split('.')[0]",
      "rows = [[{'class': kind(im), 'size': list(im.size)} for im in row] for row in ds['images']]",
      // What the template trains on, from either form: messages and images, images decoded.
      "loaded = {'parquet': train_judge.load_dataset_for_training(parquet), 'jsonl': train_judge.load_dataset_for_training(jsonl)}",
      "template = {form: {'columns': d.column_names, 'images': [[kind(im) for im in row] for row in d['images']]} for form, d in loaded.items()}",
      "print(json.dumps({'image_feature': isinstance(ds.features['images'].feature, Image), 'rows': rows, 'version': datasets.__version__, 'template': template}))",
    ].join("\n");
    const result = run(withDatasets.python, ["-c", code, parquet, jsonlFile], {
      env: { HF_DATASETS_OFFLINE: "1", HF_HUB_OFFLINE: "1", HF_HOME: join(dir, "hf") },
    });
    t.equal(result.status, 0, result.stderr);
    const read = JSON.parse(result.stdout.trim().split("\n").at(-1)!);
    t.equal(read.image_feature, true, `datasets ${read.version} reads images as List(Image)`);
    t.strictSame(
      read.rows,
      all.map((e) =>
        e.images.map((_, k) => ({ class: "PIL", size: sizeOf(readFileSync(e.images[k]!)) })),
      ),
      "each row's images decoded to PIL images of the files' sizes",
    );
    const pil = examples.map((e) => e.images.map(() => "PIL"));
    const columns = ["messages", "images"];
    t.strictSame(
      read.template,
      { parquet: { columns, images: [...pil, []] }, jsonl: { columns, images: pil } },
      "train_judge.py loads either form to messages and PIL images",
    );
  },
);

/** A PNG's width and height, from its IHDR chunk. */
function sizeOf(png: Buffer): number[] {
  return [png.readUInt32BE(16), png.readUInt32BE(20)];
}
