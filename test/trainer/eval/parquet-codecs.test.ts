// Follows hyparquet-compressors 1.1.2 (npm; src/compressors.js: the codecs it decodes and the
// `compressors` option of hyparquet's parquetReadObjects it plugs into) and hyparquet 1.33.0,
// which alone decodes only SNAPPY and uncompressed pages ("parquet unsupported compression
// codec: GZIP"): the failure of a Hub file a user re-saved with GZIP or ZSTD (issue 19).
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import t from "tap";
import { loadBenchmark } from "../../../trainer/eval/load-benchmark.ts";
import { fixture, fixtureSha256 } from "./fixture-files.ts";
import { CODECS, type Codec } from "./parquet-codecs.ts";
import { type RewardBenchParquetRow, writeRewardBenchParquet } from "./rewardbench-parquet-file.ts";
import { type VlrbParquetRow, writeVlrbParquet } from "./vlrb-parquet-file.ts";

// Long, repetitive texts, so every codec really compresses (checked below by size).
const rewardBenchRows: RewardBenchParquetRow[] = Array.from({ length: 40 }, (_, i) => ({
  prompt: `Write a haiku about autumn leaves, number ${i}. `.repeat(8),
  chosen: `Crimson leaves drifting, number ${i}. `.repeat(6),
  chosen_model: "gpt-4",
  rejected: `Leaves are a part of trees, number ${i}. `.repeat(6),
  rejected_model: "llama-2-7b-chat",
  subset: i % 2 === 0 ? "alpacaeval-easy" : "hep-python",
  id: BigInt(1000 + i),
}));

const codecsOf = async (file: string) => {
  const metadata = parquetMetadata((await readFile(file)).buffer as ArrayBuffer);
  return new Set(
    metadata.row_groups.flatMap((group) => group.columns.map((c) => c.meta_data?.codec)),
  );
};

t.test(
  "RewardBench parquet: every codec hyparquet-compressors decodes loads the same items",
  async (t) => {
    const dir = t.testdir();
    const plainFile = join(dir, "uncompressed.parquet");
    await writeRewardBenchParquet(plainFile, rewardBenchRows, "UNCOMPRESSED");
    const plain = await loadBenchmark(plainFile, "rewardbench");
    t.equal(plain.items.length, 40);
    const plainSize = (await stat(plainFile)).size;

    for (const codec of CODECS) {
      const file = join(dir, `${codec}.parquet`);
      await writeRewardBenchParquet(file, rewardBenchRows, codec);
      t.same(await codecsOf(file), new Set([codec]), `${codec}: every column chunk says ${codec}`);
      t.ok((await stat(file)).size < plainSize / 2, `${codec}: the pages really are compressed`);
      if (codec !== "SNAPPY") {
        await t.rejects(
          parquetReadObjects({ file: (await readFile(file)).buffer as ArrayBuffer }),
          new RegExp(`unsupported compression codec: ${codec}`),
          `${codec}: hyparquet alone cannot read it`,
        );
      }
      const loaded = await loadBenchmark(file, "rewardbench");
      t.same(loaded, plain, `${codec}: the same rows, items and keys as uncompressed`);
    }
  },
);

t.test("VL-RewardBench parquet: every codec, images inline, loads the same items", async (t) => {
  const dir = t.testdir();
  const red = await readFile(fixture("images/red.png"));
  const rows: VlrbParquetRow[] = Array.from({ length: 12 }, (_, i) => ({
    id: `RLAIF-V-${i}`,
    query: `<image>\nWhat colour is square number ${i}? Describe it in detail.`,
    image: { bytes: red, path: null },
    response: [`It is red, square ${i}. `.repeat(4), `It is blue, square ${i}. `.repeat(4)],
    human_ranking: [0n, 1n],
  }));
  const expected = await loadBenchmark(
    await written(join(dir, "plain.parquet"), rows, "UNCOMPRESSED"),
    "vlrb",
  );
  t.equal(expected.items.length, 12);
  t.same(expected.items[0]!.imageSha256s, [fixtureSha256("images/red.png")]);
  for (const codec of CODECS) {
    const file = await written(join(dir, `${codec}.parquet`), rows, codec);
    t.same(await codecsOf(file), new Set([codec]));
    t.same(await loadBenchmark(file, "vlrb"), expected, `${codec}: the same items`);
  }
});

async function written(file: string, rows: VlrbParquetRow[], codec: Codec): Promise<string> {
  await writeVlrbParquet(file, rows, codec);
  return file;
}

t.test("LZO, which no decompressor here reads, is a file error naming the codec", async (t) => {
  // The pages are stored as they are and only labelled LZO: a reader must refuse the label.
  const file = join(t.testdir(), "lzo.parquet");
  await writeRewardBenchParquet(file, rewardBenchRows.slice(0, 1), "LZO");
  t.same(await codecsOf(file), new Set(["LZO"]));
  await t.rejects(loadBenchmark(file, "rewardbench"), /unsupported compression codec: LZO/);
});
