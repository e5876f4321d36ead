import { copyFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import {
  buildContaminationIndex,
  checkContamination,
} from "../../../trainer/core/contamination-guard.ts";
import { benchmarkContaminationItems } from "../../../trainer/eval/contamination-items.ts";
import { benchmarkFileKind, loadBenchmark } from "../../../trainer/eval/load-benchmark.ts";
import { fixture, fixtureSha256 } from "./fixture-files.ts";
import { writeVlrbParquet } from "./vlrb-parquet-file.ts";

t.test("every format loads through the dispatcher", async (t) => {
  const counts = async (file: string, format: Parameters<typeof loadBenchmark>[1]) => {
    const result = await loadBenchmark(fixture(file), format);
    return [result.rowsRead, result.items.length, result.items[0]?.benchmark];
  };
  t.same(await counts("vlrb.jsonl", "vlrb"), [14, 9, "vlrb"]);
  t.same(await counts("mmrb.json", "mmrb"), [13, 9, "mmrb"]);
  t.same(await counts("rewardbench.jsonl", "rewardbench"), [5, 3, "rewardbench"]);
  t.same(await counts("jurist.jsonl", "jurist"), [5, 3, "jurist"]);
});

t.test("vlrb: magic bytes pick parquet; a .parquet name without them is an error", async (t) => {
  const dir = t.testdir();
  const disguised = join(dir, "vlrb.data");
  await writeVlrbParquet(disguised, [
    {
      id: "RLAIF-V-1",
      query: "q",
      image: { bytes: await readFile(fixture("images/red.png")), path: null },
      response: ["a", "b"],
      human_ranking: [0n, 1n],
    },
  ]);
  t.equal(await benchmarkFileKind(disguised), "parquet");
  t.equal(await benchmarkFileKind(fixture("vlrb.jsonl")), "jsonl");
  t.equal((await loadBenchmark(disguised, "vlrb")).items.length, 1);
  const pointer = join(dir, "test-00000-of-00001.parquet");
  await copyFile(fixture("vlrb.jsonl"), pointer);
  await t.rejects(loadBenchmark(pointer, "vlrb"), /named \.parquet but does not start with PAR1/);
  await t.rejects(loadBenchmark(join(dir, "absent.jsonl"), "vlrb"), { code: "ENOENT" });
});

t.test("benchmark items feed the trainer's contamination guard", async (t) => {
  const { items } = await loadBenchmark(fixture("vlrb.jsonl"), "vlrb");
  const guardItems = benchmarkContaminationItems(items);
  t.equal(guardItems.length, items.length);
  t.same(guardItems[0], {
    benchmark: "vlrb",
    id: items[0]!.key,
    question: "What colour is the square?",
    imageSha256s: [fixtureSha256("images/red.png")],
  });
  const index = buildContaminationIndex(guardItems);
  t.same(
    checkContamination(index, {
      question: "Unrelated",
      imageHashes: [fixtureSha256("images/blue.png")],
    }),
    { contaminated: true, reason: "image", match: `vlrb:${items[2]!.key}` },
  );
});
