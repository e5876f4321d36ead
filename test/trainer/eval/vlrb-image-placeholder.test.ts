// Follows VL-RewardBench's official inference script (vl-rewardbench/VL_RewardBench, commit
// 9b10abd, inference_hf.py `process_item`): `question = prompt(item, random_number)` puts the
// query and both responses into one prompt (prompt.py), then
// `question = question.replace("<image>\n", "")` removes every `<image>\n` before the judge
// sees it (the image goes beside the text). Only that exact string: a bare `<image>` stays.
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import type { EvalItem } from "../../../trainer/eval/eval-item.ts";
import { loadBenchmark } from "../../../trainer/eval/load-benchmark.ts";
import { withoutImagePlaceholders } from "../../../trainer/eval/vlrb-row.ts";
import { fixture } from "./fixture-files.ts";
import { writeVlrbParquet } from "./vlrb-parquet-file.ts";

/** Query and responses as the release stores them, and what the official script sends. */
const CASES = [
  {
    query: "<image>\nWhat colour is the square?",
    response: ["It is red.", "It is blue."],
    judged: { question: "What colour is the square?", texts: ["It is red.", "It is blue."] },
  },
  {
    query: "Compare <image>\nand <image>\nplease.",
    response: ["<image>\nLeft is red.", "Both are blue."],
    judged: { question: "Compare and please.", texts: ["Left is red.", "Both are blue."] },
  },
  {
    query: "What is in <image>? Answer briefly.",
    response: ["A square.", "A circle.<image>"],
    judged: {
      question: "What is in <image>? Answer briefly.",
      texts: ["A square.", "A circle.<image>"],
    },
  },
  {
    query: "<image>\r\nCRLF is not what the script removes.",
    response: ["a", "b"],
    judged: { question: "<image>\r\nCRLF is not what the script removes.", texts: ["a", "b"] },
  },
];

const judgedTexts = (items: EvalItem[]) =>
  items.map((item) => ({ question: item.question, texts: [item.chosen, item.rejected] }));

t.test("withoutImagePlaceholders removes every `<image>\\n` and nothing else", async (t) => {
  for (const c of CASES) t.equal(withoutImagePlaceholders(c.query), c.judged.question, c.query);
});

t.test("both VLRB loaders judge the texts the official script sends", async (t) => {
  const dir = t.testdir();
  await mkdir(join(dir, "images"));
  await copyFile(fixture("images/red.png"), join(dir, "images/red.png"));
  const jsonl = join(dir, "vlrb.jsonl");
  const rows = CASES.map((c, i) => ({
    id: `RLAIF-V-${i}`,
    query: c.query,
    response: c.response,
    human_ranking: [0, 1],
  }));
  await writeFile(
    jsonl,
    rows.map((row) => JSON.stringify({ ...row, image_path: "images/red.png" })).join("\n"),
  );
  const parquet = join(dir, "vlrb.parquet");
  const red = await readFile(fixture("images/red.png"));
  await writeVlrbParquet(
    parquet,
    rows.map((row) => ({
      ...row,
      image: { bytes: red, path: null },
      human_ranking: row.human_ranking.map(BigInt),
    })),
  );
  const expected = CASES.map((c) => c.judged);
  const fromJsonl = await loadBenchmark(jsonl, "vlrb");
  const fromParquet = await loadBenchmark(parquet, "vlrb");
  t.same(judgedTexts(fromJsonl.items), expected, "JSONL");
  t.same(judgedTexts(fromParquet.items), expected, "parquet");
  t.same(
    fromParquet.items.map((item) => item.key),
    fromJsonl.items.map((item) => item.key),
    "the same judged texts and image: the same keys in either format",
  );
});
