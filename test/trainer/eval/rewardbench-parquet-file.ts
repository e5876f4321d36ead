import { writeFile } from "node:fs/promises";
import { type ColumnSource, parquetWriteBuffer, type SchemaElement } from "hyparquet-writer";
import { type Codec, parquetCompressors } from "./parquet-codecs.ts";

/**
 * One row of RewardBench as the Hub publishes it: allenai/reward-bench's dataset card
 * (README.md `dataset_info.features`, revision 8def74f) declares prompt, chosen, chosen_model,
 * rejected, rejected_model and subset as `string` and id as `int64`; pyarrow writes each as an
 * OPTIONAL column, so any of them may be null in a damaged file.
 */
export interface RewardBenchParquetRow {
  prompt: string | null;
  chosen: string | null;
  chosen_model: string | null;
  rejected: string | null;
  rejected_model: string | null;
  subset: string | null;
  id: bigint | null;
}

const COLUMNS = [
  "prompt",
  "chosen",
  "chosen_model",
  "rejected",
  "rejected_model",
  "subset",
  "id",
] as const;

const text = (name: string): SchemaElement => ({
  name,
  type: "BYTE_ARRAY",
  converted_type: "UTF8",
  repetition_type: "OPTIONAL",
});

/** The schema pyarrow writes for those features, in the card's column order. */
const SCHEMA: SchemaElement[] = [
  { name: "schema", num_children: COLUMNS.length },
  ...COLUMNS.slice(0, -1).map(text),
  { name: "id", type: "INT64", repetition_type: "OPTIONAL" },
];

/** `datasets` stores its features beside the schema (key `huggingface`); readers ignore it. */
const HF_FEATURES = JSON.stringify({
  info: {
    features: Object.fromEntries(
      COLUMNS.map((name) => [name, { dtype: name === "id" ? "int64" : "string", _type: "Value" }]),
    ),
  },
});

/** Writes `rows` as the Hub's `data/filtered-00000-of-00001.parquet` would be, with `codec`. */
export async function writeRewardBenchParquet(
  file: string,
  rows: readonly RewardBenchParquetRow[],
  codec: Codec = "SNAPPY",
): Promise<void> {
  const columnData: ColumnSource[] = COLUMNS.map((name) => ({
    name,
    data: rows.map((row) => row[name]),
  }));
  const buffer = parquetWriteBuffer({
    columnData,
    schema: SCHEMA,
    codec,
    compressors: await parquetCompressors(),
    kvMetadata: [{ key: "huggingface", value: HF_FEATURES }],
  });
  await writeFile(file, new Uint8Array(buffer));
}
