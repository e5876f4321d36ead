import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { parseEvalArgs } from "../../../trainer/eval/eval-command.ts";
import { runEval } from "./eval-cli.ts";
import { tempDir, writeJuristBench } from "./evaluate-fixtures.ts";

t.test(
  "jurist eval on embedded sims writes the three files; the report says SIMULATED",
  async (t) => {
    const bench = writeJuristBench(tempDir("eval-cli-bench"), {
      n: 9,
      urlItem: true,
      malformed: true,
    });
    const out = join(tempDir("eval-cli-out"), "run");
    const { code, stdout, stderr } = await runEval([
      "--bench",
      bench,
      "--format",
      "jurist",
      "--out",
      out,
      // One malformed row of 11 is above the default limit (1%): see eval-exit-status.test.ts.
      "--max-malformed",
      "1",
    ]);
    t.equal(code, 0, stderr);
    t.match(stdout, /SIMULATED/);
    t.match(stdout, `${join(out, "report.md")}\n`, "prints where the report is");
    t.match(
      stdout,
      /overall \d+\.\d%, macro \d+\.\d%, consistency \d+\.\d%, invalid rate \d+\.\d%/,
    );
    t.match(stderr, /evaluated 10\/10/, "progress on stderr");

    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    for (const key of ["items", "overall", "macro", "consistency", "invalid_rate", "categories"]) {
      t.ok(key in report, `report.json has ${key}`);
    }
    t.match(report, { items: 11, judged: 9, skipped: 1, failed: 0, malformed: 1 });
    t.match(report.malformed_rows, [{ line: 3 }], "the malformed row by its line");
    t.same(Object.keys(report.categories), ["general", "hallucination", "reasoning"]);
    t.match(report.categories.general, {
      n: 3,
      accuracy: Number,
      ci: { low: Number, high: Number },
    });
    t.match(report.meta, {
      benchmark: "bench",
      file: bench,
      format: "jurist",
      checkpoint: "jurist-sim-judge",
      simulated: true,
      unparseable: "wrong",
      seed: 0,
    });

    const markdown = readFileSync(join(out, "report.md"), "utf8");
    t.match(markdown, /\*\*SIMULATED\*\*/);
    t.match(markdown, /- line 3: not valid JSON/);
    const lines = readFileSync(join(out, "items.jsonl"), "utf8").trimEnd().split("\n");
    t.equal(lines.length, 10, "one line per item (rows read less the malformed one)");
  },
);

t.test("jurist eval: bad flags print the usage and exit 2", async (t) => {
  const missing = await runEval(["--bench", "x.jsonl", "--out", "dir"]);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /--format must be one of/);
  t.match(missing.stderr, /usage: jurist eval/);
});

t.test(
  "jurist eval: a benchmark file that cannot be read exits 1 and writes nothing",
  async (t) => {
    const out = join(tempDir("eval-cli-out"), "run");
    const result = await runEval([
      "--bench",
      "/nonexistent/bench.jsonl",
      "--format",
      "jurist",
      "--out",
      out,
    ]);
    t.equal(result.code, 1);
    t.match(result.stderr, /jurist eval failed: .*ENOENT/);
    t.notOk(existsSync(out));
  },
);

t.test("parseEvalArgs: defaults and every check", async (t) => {
  const base = ["--bench", "b.jsonl", "--format", "vlrb", "--out", "o"];
  t.same(parseEvalArgs(base), {
    bench: "b.jsonl",
    format: "vlrb",
    out: "o",
    unparseable: "wrong",
    seed: 0,
  });
  t.match(
    parseEvalArgs([
      ...base,
      "--checkpoint",
      "c",
      "--unparseable",
      "random",
      "--seed",
      "9",
      "--concurrency",
      "3",
    ]),
    { checkpoint: "c", unparseable: "random", seed: 9, concurrency: 3 },
  );
  t.equal(parseEvalArgs(["--help"]), "help");
  t.match(parseEvalArgs([...base, "--unparseable", "maybe"]), { problem: /--unparseable/ });
  t.match(parseEvalArgs([...base, "--seed", "-1"]), { problem: /--seed/ });
  t.match(parseEvalArgs([...base, "--concurrency", "0"]), { problem: /--concurrency/ });
  t.match(parseEvalArgs(["--format", "vlrb"]), { problem: /--bench and --out/ });
  t.match(parseEvalArgs([...base, "--frob"]), { problem: /frob/ });
});
