// RewardBench as published: allenai/reward-bench on the Hub (dataset card README.md at
// revision 8def74f: features prompt, chosen, chosen_model, rejected, rejected_model, subset
// (strings) and id (int64); the `filtered` split in data/filtered-00000-of-00001.parquet),
// which RewardBench's own loader reads (allenai/reward-bench repo, commit 05a9005,
// rewardbench/utils.py `load_eval_dataset`: `load_dataset(CORE_EVAL_SET, split="filtered")`,
// then prompt/chosen/rejected, subset kept for the per-subset scores).
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import { benchmarkFileKind, loadBenchmark } from "../../../trainer/eval/load-benchmark.ts";
import { loadRewardBenchParquet } from "../../../trainer/eval/rewardbench-parquet.ts";
import { fixture } from "./fixture-files.ts";
import { type RewardBenchParquetRow, writeRewardBenchParquet } from "./rewardbench-parquet-file.ts";
import { writeVlrbParquet } from "./vlrb-parquet-file.ts";

const row = (id: number, subset: string | null, rejected: string | null = "Goodbye.") => ({
  prompt: `Say hello, ${id}.`,
  chosen: `Hello, ${id}!`,
  chosen_model: "gpt-4",
  rejected,
  rejected_model: "llama-2-70b-chat",
  subset,
  id: BigInt(id),
});

const ROWS: RewardBenchParquetRow[] = [
  row(30, "alpacaeval-easy"),
  row(31, "llmbar-adver-GPTInst"),
  row(30, "alpacaeval-easy"),
  row(33, "mt-bench-hard", null),
  row(34, ""),
  { ...row(35, "hep-go"), id: null },
];

t.test(
  "the Hub's schema: int64 ids as strings, subsets as categories, bad rows by index",
  async (t) => {
    const file = join(t.testdir(), "filtered-00000-of-00001.parquet");
    await writeRewardBenchParquet(file, ROWS);
    const result = await loadRewardBenchParquet(file);
    t.equal(result.rowsRead, 6);
    t.same(
      result.items.map((item) => [
        item.id,
        item.category,
        item.question,
        item.chosen,
        item.rejected,
      ]),
      [
        ["30", "alpacaeval-easy", "Say hello, 30.", "Hello, 30!", "Goodbye."],
        ["31", "llmbar-adver-gptinst", "Say hello, 31.", "Hello, 31!", "Goodbye."],
        ["30", "alpacaeval-easy", "Say hello, 30.", "Hello, 30!", "Goodbye."],
      ],
    );
    t.ok(result.items.every((item) => item.firstIsChosen && item.images.length === 0));
    t.equal(new Set(result.items.map((item) => item.key)).size, 3, "a repeated row, distinct keys");
    t.same(
      result.malformed.map((m) => ["row" in m && m.row, m.reason]),
      [
        [3, "rejected: Invalid input: expected string, received null"],
        [4, "subset: must not be empty"],
        [5, "id: Invalid input"],
      ],
    );
  },
);

t.test("parquet and a JSONL export of the same rows give the same items", async (t) => {
  const dir = t.testdir();
  const parquet = join(dir, "rb.parquet");
  await writeRewardBenchParquet(parquet, ROWS);
  const jsonl = join(dir, "rb.jsonl");
  const asJson = ROWS.map((r) => JSON.stringify({ ...r, id: r.id === null ? null : Number(r.id) }));
  await writeFile(jsonl, `${asJson.join("\n")}\n`);
  const fromParquet = await loadBenchmark(parquet, "rewardbench");
  const fromJsonl = await loadBenchmark(jsonl, "rewardbench");
  t.same(fromParquet.items, fromJsonl.items, "same keys, so results pair across the two");
  t.same(
    [fromParquet.rowsRead, fromParquet.malformed.length],
    [fromJsonl.rowsRead, fromJsonl.malformed.length],
  );
});

t.test("rewardbench: magic bytes pick parquet, whatever the file is called", async (t) => {
  const dir = t.testdir();
  const disguised = join(dir, "rewardbench.data");
  await writeRewardBenchParquet(disguised, ROWS.slice(0, 2));
  t.equal(await benchmarkFileKind(disguised), "parquet");
  t.equal((await loadBenchmark(disguised, "rewardbench")).items.length, 2);
  t.equal((await loadBenchmark(fixture("rewardbench.jsonl"), "rewardbench")).rowsRead, 5);
  const pointer = join(dir, "filtered-00000-of-00001.parquet");
  await writeFile(pointer, "version https://git-lfs.github.com/spec/v1\noid sha256:2e41\n");
  await t.rejects(
    loadBenchmark(pointer, "rewardbench"),
    /named \.parquet but does not start with PAR1/,
  );
});

t.test("a parquet file without RewardBench's columns is a file error, not bad rows", async (t) => {
  const vlrbLike = join(t.testdir(), "other.parquet");
  await writeVlrbParquet(vlrbLike, [
    { id: "x", query: "q", image: null, response: ["a", "b"], human_ranking: [0n, 1n] },
  ]);
  await t.rejects(
    loadBenchmark(vlrbLike, "rewardbench"),
    /is not a RewardBench parquet file: no column prompt, chosen, rejected, subset/,
  );
});
