import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { parseEvalArgs } from "../../../trainer/eval/eval-command.ts";
import {
  DEFAULT_MALFORMED_LIMIT,
  evaluationProblems,
  parseMalformedLimit,
} from "../../../trainer/eval/eval-exit-status.ts";
import { runEval } from "./eval-cli.ts";
import { tempDir, writeJuristBench } from "./evaluate-fixtures.ts";

t.test("--max-malformed: a count, a percentage or a fraction below 1", async (t) => {
  t.same(parseMalformedLimit("0"), { count: 0 });
  t.same(parseMalformedLimit("1"), { count: 1 }, "1 is one row");
  t.same(parseMalformedLimit("25"), { count: 25 });
  t.same(parseMalformedLimit("0.05"), { fraction: 0.05 });
  t.same(parseMalformedLimit(".5"), { fraction: 0.5 });
  t.same(parseMalformedLimit("0.999"), { fraction: 0.999 });
  t.same(parseMalformedLimit("5%"), { fraction: 0.05 });
  t.same(parseMalformedLimit("100%"), { fraction: 1 });
  // 1.0 beside 1: a decimal point must not switch between one row and every row.
  t.match(parseMalformedLimit("1.0"), {
    problem: /^--max-malformed 1\.0: .*must be below 1.* \(1 for one row, 100% for every row\)$/,
  });
  t.match(parseMalformedLimit("1."), { problem: /must be below 1/ });
  t.match(parseMalformedLimit("3.00"), { problem: /\(3 for 3 rows\)$/ });
  t.match(parseMalformedLimit("1.5"), { problem: /^--max-malformed 1\.5: .*must be below 1/ });
  t.match(parseMalformedLimit("101%"), { problem: /at most 100%/ });
  for (const bad of ["", "-1", "five", "5 %", "1e3", "0x10", "-0.5"]) {
    t.match(
      parseMalformedLimit(bad),
      { problem: /^--max-malformed must be a count of rows \(3\), a percentage/ },
      JSON.stringify(bad),
    );
  }
  const base = ["--bench", "b.jsonl", "--format", "vlrb", "--out", "o"];
  t.notOk("maxMalformed" in (parseEvalArgs(base) as object), "unset: the default applies");
  t.match(parseEvalArgs([...base, "--max-malformed", "2%"]), { maxMalformed: { fraction: 0.02 } });
  t.match(parseEvalArgs([...base, "--max-malformed", "-3"]), { problem: /--max-malformed/ });
  t.match(parseEvalArgs([...base, "--max-malformed", "1.0"]), {
    problem: /--max-malformed 1\.0: a number with a decimal point/,
  });
});

t.test("evaluationProblems: nothing judged, malformed over the limit, failed items", async (t) => {
  const counts = { items: 200, judged: 197, skipped: 0, failed: 0, malformed: 3 };
  t.same(DEFAULT_MALFORMED_LIMIT, { fraction: 0.01 });
  t.same(evaluationProblems({ ...counts, judged: 198, malformed: 2 }, DEFAULT_MALFORMED_LIMIT), []);
  t.match(evaluationProblems(counts, DEFAULT_MALFORMED_LIMIT), [
    /^3 of 200 rows are malformed \(1\.5%\), more than --max-malformed allows \(1% of rows\)/,
  ]);
  t.same(evaluationProblems(counts, { count: 3 }), [], "a count is inclusive");
  t.match(evaluationProblems(counts, { count: 2 }), [/allows \(2 rows\)/]);
  t.same(evaluationProblems(counts, { fraction: 0.015 }), []);
  const rounding = { items: 100, judged: 71, skipped: 0, failed: 0, malformed: 29 };
  t.same(evaluationProblems(rounding, { fraction: 0.29 }), [], "29 of 100 is 29%");
  t.equal(evaluationProblems(rounding, { fraction: 0.28 }).length, 1);
  t.same(evaluationProblems({ ...counts, failed: 1 }, { count: 3 }).length, 1);
  t.match(
    evaluationProblems({ items: 0, judged: 0, skipped: 0, failed: 0, malformed: 0 }, { count: 5 }),
    [/^nothing was judged: of 0 rows read/],
    "an empty file judged nothing, whatever the limit",
  );
});

const args = (bench: string, format: string, out: string, ...more: string[]) => [
  "--bench",
  bench,
  "--format",
  format,
  "--out",
  out,
  ...more,
];

t.test("jurist eval on a file of malformed rows exits 1 and says why", async (t) => {
  const dir = tempDir("eval-malformed");
  // Issue 19's case: a RewardBench row that misses its fields printed "0 judged … 1 malformed
  // of 1 rows" and exited 0.
  const bench = join(dir, "rewardbench.jsonl");
  writeFileSync(bench, `${JSON.stringify({ id: 1, prompt: "Hello?", chosen: "Hi." })}\n`);
  const out = join(dir, "out");
  const { code, stdout, stderr } = await runEval(args(bench, "rewardbench", out));
  t.equal(code, 1);
  t.match(stdout, /\(0 judged, 0 skipped, 0 failed, 1 malformed of 1 rows\)/, "the summary stays");
  t.match(stderr, /jurist eval: nothing was judged: of 1 rows read, 1 malformed/);
  t.match(stderr, /jurist eval: 1 of 1 rows are malformed \(100\.0%\), more than --max-malformed/);
  t.ok(existsSync(join(out, "report.md")), "the report that lists the rows is written");
});

t.test("jurist eval that judged nothing (every item skipped) exits 1", async (t) => {
  const bench = writeJuristBench(tempDir("eval-skipped"), { n: 0, urlItem: true });
  const out = join(tempDir("eval-skipped-out"), "run");
  const { code, stdout, stderr } = await runEval(args(bench, "jurist", out));
  t.equal(code, 1);
  t.match(stdout, /\(0 judged, 1 skipped, 0 failed, 0 malformed of 1 rows\)/);
  t.match(stderr, /jurist eval: nothing was judged: of 1 rows read, 0 malformed, 1 skipped/);
  t.notMatch(stderr, /rows are malformed/, "no malformed row, no word about them");
});

t.test("jurist eval: malformed rows above the default limit exit 1, a wider limit 0", async (t) => {
  const bench = writeJuristBench(tempDir("eval-limit"), { n: 9, malformed: true });
  const strict = await runEval(args(bench, "jurist", join(tempDir("eval-limit-out"), "a")));
  t.equal(strict.code, 1);
  t.match(strict.stdout, /\(9 judged, 0 skipped, 0 failed, 1 malformed of 10 rows\)/);
  t.match(strict.stderr, /1 of 10 rows are malformed \(10\.0%\), .*\(1% of rows\)/);
  t.notMatch(strict.stderr, /nothing was judged/);
  const loose = await runEval(
    args(bench, "jurist", join(tempDir("eval-limit-out"), "b"), "--max-malformed", "10%"),
  );
  t.equal(loose.code, 0, loose.stderr);
  t.notMatch(loose.stderr, /jurist eval:/);
});
