import { writeFile } from "node:fs/promises";
import { type ColumnSource, parquetWriteBuffer, type SchemaElement } from "hyparquet-writer";
import { type Codec, parquetCompressors } from "./parquet-codecs.ts";

/** One VLRB row as HF datasets stores it: `image` is the `Image` feature's `{ bytes, path }`. */
export interface VlrbParquetRow {
  id: string;
  query: string;
  image: { bytes: Uint8Array | null; path: string | null } | null;
  response: string[];
  human_ranking: bigint[];
}

const optional = "OPTIONAL" as const;
const listOf = (name: string, element: SchemaElement): SchemaElement[] => [
  { name, repetition_type: optional, converted_type: "LIST", num_children: 1 },
  { name: "list", repetition_type: "REPEATED", num_children: 1 },
  { ...element, name: "element" },
];

/** The schema HF datasets writes for VL-RewardBench (plus `judge`, a column loaders ignore). */
const SCHEMA: SchemaElement[] = [
  { name: "schema", num_children: 6 },
  { name: "id", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: optional },
  { name: "query", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: optional },
  { name: "image", repetition_type: optional, num_children: 2 },
  { name: "bytes", type: "BYTE_ARRAY", repetition_type: optional },
  { name: "path", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: optional },
  ...listOf("response", {
    name: "",
    type: "BYTE_ARRAY",
    converted_type: "UTF8",
    repetition_type: optional,
  }),
  ...listOf("human_ranking", { name: "", type: "INT64", repetition_type: optional }),
  { name: "judge", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: optional },
];

/**
 * Writes `rows` as a parquet file compressed with `codec`: SNAPPY by default (hyparquet-writer's
 * default, as pyarrow's and so the Hub's), another as a user's re-saved copy would have.
 */
export async function writeVlrbParquet(
  file: string,
  rows: readonly VlrbParquetRow[],
  codec: Codec = "SNAPPY",
): Promise<void> {
  const column = (name: keyof VlrbParquetRow): ColumnSource => ({
    name,
    data: rows.map((row) => row[name]),
  });
  const columnData = [
    column("id"),
    column("query"),
    column("image"),
    column("response"),
    column("human_ranking"),
    { name: "judge", data: rows.map(() => "human") },
  ];
  const compressors = await parquetCompressors();
  const buffer = parquetWriteBuffer({ columnData, schema: SCHEMA, codec, compressors });
  await writeFile(file, new Uint8Array(buffer));
}
