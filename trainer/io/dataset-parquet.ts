import { readFile, rename, rm } from "node:fs/promises";
import { basename } from "node:path";
import { fileWriter, parquetWriteRows, type SchemaElement } from "hyparquet-writer";
import type { ExampleLineage, TrainingExample } from "../core/training-example.ts";

/**
 * The trainer's dataset as a parquet file that Hugging Face `datasets` loads with PIL images
 * and no cast: `load_dataset("parquet", data_files=FILE, split="train")[0]["images"]` is a list
 * of `PIL.Image.Image`, which is what TRL's vision collators expect.
 *
 * Followed in huggingface/datasets at b7cb10b0e38ab8bbefdb142d0279bc85ac8c7ab8 (5.0.1+):
 * - the parquet builder (packaged_modules/parquet/parquet.py) takes its features from the
 *   schema metadata key `huggingface`, `{"info": {"features": ...}}`, through
 *   `Features.from_arrow_schema` (features/features.py), which keeps a column's metadata feature
 *   only when the Arrow field it implies equals the file's: same names, types, order and
 *   nullability. A features list is `pa.list_`, whose child is called `item`, so every list here
 *   names its element `item`: equal to it in every pyarrow. (Since Arrow 11, ARROW-14999, list
 *   equality ignores the child's name, so the parquet spec's `element` would do there too; before
 *   it, the Image feature would be silently dropped, leaving `{bytes, path}` dicts.)
 * - the `Image` feature (features/image.py) is the struct `{bytes: binary, path: string}` in
 *   that order; with bytes present it decodes them and the path is only a name (its
 *   `embed_storage` keeps the file's basename, as this does).
 * Lists are written with the python-list shorthand (`[feature]`), which every datasets
 * version from 2.x to 5.x reads as a list, where `{"_type": "List"}` needs 4.0 or later.
 * Every field is OPTIONAL, as Arrow fields are nullable by default.
 * That `datasets` loads the file so was verified by hand (datasets 5.0.1, pyarrow 25.0.1); CI has
 * no `datasets`, so test/contracts/deploy/fine-tune-parquet.test.ts's check of it skips there.
 */

/** A column of the file: how datasets declares it, and how parquet stores it. */
type Field =
  | { kind: "string" }
  | { kind: "int64" }
  | { kind: "bool" }
  | { kind: "image" }
  | { kind: "list"; of: Field }
  | { kind: "struct"; fields: [string, Field][] };

const string: Field = { kind: "string" };

/**
 * Each lineage field's column, keyed by `ExampleLineage` itself: a field added there without a
 * column here (or a column left after its field is gone) does not compile, where a hand-kept
 * list would silently drop the new field from every parquet dataset. Written in this order.
 */
const LINEAGE_COLUMNS: Record<keyof ExampleLineage, Field> = {
  promptId: string,
  pairId: string,
  generator: string,
  generatorPromptVersion: string,
  judgeCheckpoint: string,
  initCheckpoint: string,
  iteration: { kind: "int64" },
  templateVersion: string,
  order: string,
  questionKind: string,
  flipped: { kind: "bool" },
};
const LINEAGE_NAMES = Object.keys(LINEAGE_COLUMNS) as (keyof ExampleLineage)[];

const LINEAGE: Field = {
  kind: "struct",
  fields: LINEAGE_NAMES.map((name) => [name, LINEAGE_COLUMNS[name]]),
};

/** The columns, in order: TRL's `messages` and `images`, then Jurist's `lineage`. */
export const DATASET_COLUMNS: [string, Field][] = [
  [
    "messages",
    {
      kind: "list",
      of: {
        kind: "struct",
        fields: [
          ["role", string],
          [
            "content",
            {
              kind: "list",
              of: {
                kind: "struct",
                fields: [
                  ["type", string],
                  ["text", string],
                ],
              },
            },
          ],
        ],
      },
    },
  ],
  ["images", { kind: "list", of: { kind: "image" } }],
  ["lineage", LINEAGE],
];

/** The HF datasets feature of a field, as `Features.to_dict` would write it. */
function feature(field: Field): unknown {
  switch (field.kind) {
    case "string":
      return { dtype: "string", _type: "Value" };
    case "int64":
      return { dtype: "int64", _type: "Value" };
    case "bool":
      return { dtype: "bool", _type: "Value" };
    case "image":
      return { _type: "Image" };
    case "list":
      return [feature(field.of)];
    case "struct":
      return Object.fromEntries(field.fields.map(([name, f]) => [name, feature(f)]));
  }
}

/** The value of the schema metadata key `huggingface`. */
export function huggingFaceMetadata(): string {
  const features = Object.fromEntries(DATASET_COLUMNS.map(([name, f]) => [name, feature(f)]));
  return JSON.stringify({ info: { features } });
}

const OPTIONAL = "OPTIONAL" as const;

/** The parquet schema elements of a field, depth first. */
function elements(name: string, field: Field): SchemaElement[] {
  switch (field.kind) {
    case "string":
      return [{ name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: OPTIONAL }];
    case "int64":
      return [{ name, type: "INT64", repetition_type: OPTIONAL }];
    case "bool":
      return [{ name, type: "BOOLEAN", repetition_type: OPTIONAL }];
    case "image":
      return [
        { name, repetition_type: OPTIONAL, num_children: 2 },
        { name: "bytes", type: "BYTE_ARRAY", repetition_type: OPTIONAL },
        { name: "path", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: OPTIONAL },
      ];
    case "list":
      return [
        { name, repetition_type: OPTIONAL, converted_type: "LIST", num_children: 1 },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        ...elements("item", field.of),
      ];
    case "struct":
      return [
        { name, repetition_type: OPTIONAL, num_children: field.fields.length },
        ...field.fields.flatMap(([child, f]) => elements(child, f)),
      ];
  }
}

export function datasetSchema(): SchemaElement[] {
  return [
    { name: "schema", num_children: DATASET_COLUMNS.length },
    ...DATASET_COLUMNS.flatMap(([name, f]) => elements(name, f)),
  ];
}

/** An `Image` feature's stored value: the file's bytes as they are, and its name. */
export interface EmbeddedImage {
  bytes: Uint8Array;
  path: string;
}

/**
 * Rows of image-heavy datasets per row group: datasets' own
 * `config.PARQUET_ROW_GROUP_SIZE_FOR_IMAGE_DATASETS`, so a reader holds about a hundred rows'
 * images at once and the writer never holds more than one group's.
 */
const ROW_GROUP_ROWS = 100;

async function* rowsOf(examples: readonly TrainingExample[]) {
  for (const example of examples) {
    const images: EmbeddedImage[] = await Promise.all(
      example.images.map(async (path) => ({
        bytes: new Uint8Array(await readFile(path)),
        path: basename(path),
      })),
    );
    // Every lineage field is written, absent ones as null, so each row fills the struct.
    const lineage = Object.fromEntries(
      LINEAGE_NAMES.map((name) => [name, example.lineage[name] ?? null]),
    );
    const messages = example.messages.map((m) => ({
      role: m.role,
      content: m.content.map((part) => ({
        type: part.type,
        text: part.type === "text" ? part.text : null,
      })),
    }));
    yield {
      messages,
      images,
      lineage: { ...lineage, iteration: BigInt(example.lineage.iteration) },
    };
  }
}

/**
 * Writes `examples` to `path` (via a temporary file renamed into place, so a crash never leaves
 * half a file under the final name), each image's file read as it is written: memory holds one
 * row group's images, not the dataset's. Rejects when an image file cannot be read.
 */
export async function writeDatasetParquet(
  path: string,
  examples: readonly TrainingExample[],
): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await parquetWriteRows({
      writer: fileWriter(temporary),
      rows: rowsOf(examples),
      columns: DATASET_COLUMNS.map(([name]) => ({ name })),
      schema: datasetSchema(),
      rowGroupSize: ROW_GROUP_ROWS,
      kvMetadata: [{ key: "huggingface", value: huggingFaceMetadata() }],
    });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
