// Follows VL-RewardBench's official inference script (vl-rewardbench/VL_RewardBench, commit
// 9b10abd): prompt.py renders `Question: {query}\n\nAnswer 1: {a}\n\nAnswer 2: {b}\n\nPlease…`
// and inference_hf.py `process_item` then runs `question.replace("<image>\n", "")` on that
// WHOLE prompt. So every `<image>\n` goes, and so does a field's trailing `<image>` (its `\n`
// is the template's separator); a bare `<image>` elsewhere stays, as does `<image>\r\n`.
import { execFileSync } from "node:child_process";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import type { EvalItem } from "../../../trainer/eval/eval-item.ts";
import { loadBenchmark } from "../../../trainer/eval/load-benchmark.ts";
import { withoutImagePlaceholders } from "../../../trainer/eval/vlrb-row.ts";
import { needs } from "../../helpers/required-tools.ts";
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
    judged: { question: "What is in <image>? Answer briefly.", texts: ["A square.", "A circle."] },
  },
  {
    query: "What is this?\n<image>",
    response: ["Two <image><image>\ncats.", "One dog.<image><image>\n"],
    judged: { question: "What is this?", texts: ["Two <image>cats.", "One dog.<image>"] },
  },
  {
    query: "<image>\r\nCRLF is not what the script removes.",
    response: ["a", "b"],
    judged: { question: "<image>\r\nCRLF is not what the script removes.", texts: ["a", "b"] },
  },
];

const judgedTexts = (items: EvalItem[]) =>
  items.map((item) => ({ question: item.question, texts: [item.chosen, item.rejected] }));

/** Fields alone (some would be empty, which the loaders do not care about but a row would). */
const FIELDS: [string, string][] = [
  ["<image>", ""],
  ["<image>\n", ""],
  ["<image>\n<image>", ""],
  ["A<image>\n<image>\nB<image>", "AB"],
  ["X<image><image>", "X<image>"],
  ["<ima<image>\nge>\n", "<image>\n"],
  ["Ends in <image >", "Ends in <image >"],
  ["Newline stays\n", "Newline stays\n"],
];

t.test("withoutImagePlaceholders removes what the official replace removes", async (t) => {
  for (const c of CASES) {
    t.equal(withoutImagePlaceholders(c.query), c.judged.question, JSON.stringify(c.query));
    t.same(c.response.map(withoutImagePlaceholders), c.judged.texts, JSON.stringify(c.response));
  }
  for (const [field, judged] of FIELDS) {
    t.equal(withoutImagePlaceholders(field), judged, JSON.stringify(field));
  }
});

// The same template shape (prompt.py's separators around the three fields) through Python's own
// str.replace, against the template filled with Jurist's stripped fields. Where a trailing
// `<image>` took the separator's `\n` the official prompt has a blank line less, which a field
// cannot carry, so runs of newlines are compared as one: the words the judge sees must match.
const TEMPLATE = (q: string, a: string, b: string) =>
  ` Evaluate.\n\nQuestion: ${q}\n\nAnswer 1: ${a}\n\nAnswer 2: ${b}\n\nPlease evaluate.`;
const PYTHON_TEMPLATE = `import json, sys
for q, a, b in json.load(sys.stdin):
    prompt = f""" Evaluate.\n\nQuestion: {q}\n\nAnswer 1: {a}\n\nAnswer 2: {b}\n\nPlease evaluate."""
    print(json.dumps(prompt.replace("<image>\\n", "")))
`;

t.test(
  "Python's replace on the whole prompt shows the judge the same text",
  needs(["python3"], "apt-get install python3"),
  async (t) => {
    const triples: [string, string, string][] = [
      ...CASES.map(({ query, response: [first = "", second = ""] }): [string, string, string] => [
        query,
        first,
        second,
      ]),
      ...FIELDS.map(([field]): [string, string, string] => [field, field, `${field}<image>`]),
    ];
    const official = execFileSync("python3", ["-c", PYTHON_TEMPLATE], {
      input: JSON.stringify(triples),
      encoding: "utf8",
    })
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as string);
    const oneNewline = (text: string) => text.replace(/\n+/g, "\n");
    t.equal(official.length, triples.length);
    triples.forEach(([q, a, b], i) => {
      const jurist = TEMPLATE(
        ...([q, a, b].map(withoutImagePlaceholders) as [string, string, string]),
      );
      t.equal(oneNewline(jurist), oneNewline(official[i] ?? ""), JSON.stringify([q, a, b]));
    });
  },
);

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
