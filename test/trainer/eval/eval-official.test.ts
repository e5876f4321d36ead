// `jurist eval --scoring official` end to end on the simulated benchmark files (sim make-bench)
// and a RewardBench JSONL with the real dataset's subset names. The official rules followed
// (and their commits) are listed in official-scoring.test.ts: RewardBench and VLRB count one
// order per item chosen by a coin, MMRB the stored order.
//
// The simulated judge runs with JURIST_SIM_POSITION_BIAS=1: it always names slot A. Jurist's
// both-orders scoring then gives exactly 0.5 per item, while a one-order scoring gives 1 where
// the counted order holds the chosen response in slot A: MMRB's official figure must equal the
// share of items stored chosen-first, and a coin's figure must not follow the stored skew.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { writeSimBench } from "../../../sim/sim-bench.ts";
import { parseEvalArgs } from "../../../trainer/eval/eval-command.ts";
import { EXAMPLE_COUNTS, SUBSET_MAPPING } from "../../../trainer/eval/official-rewardbench.ts";
import { runEval as runEvalProcess } from "./eval-cli.ts";
import { tempDir } from "./evaluate-fixtures.ts";

/** `jurist eval` on simulated replicas that always name slot A, with its report files. */
async function runEval(args: string[]) {
  const run = await runEvalProcess(args, { JURIST_SIM_POSITION_BIAS: "1" });
  const out = args[args.indexOf("--out") + 1] as string;
  const read = (name: string) => readFileSync(join(out, name), "utf8");
  return {
    ...run,
    report: () => JSON.parse(read("report.json")),
    markdown: () => read("report.md"),
  };
}

const bench = writeSimBench(tempDir("eval-official-bench"), { n: 40, seed: 5 });

t.test(
  "MMRB: the official figure counts the stored order, beside Jurist's both orders",
  async (t) => {
    const out = join(tempDir("eval-official-out"), "mmrb");
    const run = await runEval([
      "--bench",
      (await bench).mmrb,
      "--format",
      "mmrb",
      "--out",
      out,
      "--scoring",
      "official",
    ]);
    t.equal(run.code, 0, run.stderr);
    const report = run.report();
    t.equal(report.judged, 40);
    t.equal(
      report.overall.accuracy,
      0.5,
      "Jurist's top-level figure: an always-A judge scores 0.5",
    );
    t.match(report.scoring.jurist, {
      orders: "both, averaged",
      unparseable: "wrong",
      overall: 0.5,
    });
    t.equal(report.scoring.jurist.macro, report.macro.accuracy);
    t.equal(report.meta.scoring, "official");
    const official = report.scoring.official;
    t.equal(official.benchmark, "mmrb");
    t.match(official.follows, /facebookresearch\/multimodal_rewardbench@b4b92cd/);
    t.same(Object.keys(official.figures), ["all"], "no macro for MMRB");
    t.equal(official.counted, 40);
    t.equal(
      official.figures.all,
      report.chosen_first / 40,
      "stored order: right exactly where chosen is first",
    );
    t.not(report.chosen_first, 20, "the file's skew makes the two scorings differ");
    t.same(
      Object.keys(official.groups),
      Object.keys(report.categories),
      "the official category split",
    );
    t.match(run.stdout, /jurist scoring \(both orders\): overall 50\.0%, macro 50\.0%/);
    t.match(
      run.stdout,
      new RegExp(
        `official mmrb scoring \\(one order per item\\): all ${((100 * report.chosen_first) / 40).toFixed(1)}% \\(40 counted\\)`,
      ),
    );
    const markdown = run.markdown();
    t.match(markdown, /## Scorings side by side/);
    t.match(markdown, /\| jurist \| overall \(micro\) \| 50\.0% \|/);
    t.match(markdown, /\| official \| all \| \d+\.\d% \|/);
    t.match(markdown, /### Official breakdown/);
  },
);

t.test("VLRB: the official figure counts one coin-chosen order, not the stored skew", async (t) => {
  const out = join(tempDir("eval-official-out"), "vlrb");
  const run = await runEval([
    "--bench",
    (await bench).vlrb,
    "--format",
    "vlrb",
    "--out",
    out,
    "--scoring",
    "official",
    "--seed",
    "3",
  ]);
  t.equal(run.code, 0, run.stderr);
  const report = run.report();
  t.equal(report.overall.accuracy, 0.5);
  const official = report.scoring.official;
  t.same(Object.keys(official.figures), ["overall", "macro"]);
  t.ok(
    report.chosen_first >= 36,
    `the file stores the chosen response first in most rows (${report.chosen_first}/40)`,
  );
  const overall = official.figures.overall;
  t.ok(overall > 0.2 && overall < 0.8, `a coin per item, not the stored order (${overall})`);
  t.equal(
    official.counted + official.dropped.repeated,
    40,
    "nothing unparseable here; repeats merged",
  );
  const groups = Object.values(official.groups) as {
    n: number;
    correct: number;
    accuracy: number;
  }[];
  const macro = groups.reduce((sum, g) => sum + g.accuracy, 0) / 3;
  t.ok(Math.abs(official.figures.macro - macro) < 1e-12, "macro: mean of the three groups");
  t.match(official.order, /seed 3/, "the report says which seed chose the orders");
});

t.test("RewardBench: section weights over the real subset names", async (t) => {
  const dir = tempDir("eval-official-rb");
  const subsets = Object.keys(EXAMPLE_COUNTS);
  const rows = subsets.flatMap((subset, s) =>
    [0, 1, 2].map((i) => ({
      id: `${s}-${i}`,
      prompt: `Question ${s}.${i}: name a prime number.`,
      chosen: `Seven is prime (${subset} ${i}).`,
      rejected: `Nine is prime (${subset} ${i}).`,
      subset,
    })),
  );
  const file = join(dir, "rewardbench.jsonl");
  writeFileSync(file, rows.map((row) => `${JSON.stringify(row)}\n`).join(""));
  const out = join(dir, "out");
  const run = await runEval([
    "--bench",
    file,
    "--format",
    "rewardbench",
    "--out",
    out,
    "--scoring",
    "official",
  ]);
  t.equal(run.code, 0, run.stderr);
  const report = run.report();
  t.equal(report.judged, rows.length);
  t.equal(
    report.overall.accuracy,
    0.5,
    "Jurist: an always-A judge is exactly 0.5 whatever the order",
  );
  const { figures, groups } = report.scoring.official;
  t.same(
    Object.keys(groups).sort(),
    [...subsets].sort(),
    "subsets under their official spelling (llmbar-adver-GPTInst)",
  );
  const weighted = (section: string) => {
    const tests = SUBSET_MAPPING[section] as string[];
    const total = tests.reduce((sum, test) => sum + (EXAMPLE_COUNTS[test] as number), 0);
    return (
      tests.reduce(
        (sum, test) => sum + groups[test].accuracy * (EXAMPLE_COUNTS[test] as number),
        0,
      ) / total
    );
  };
  for (const section of Object.keys(SUBSET_MAPPING)) {
    t.ok(
      Math.abs(figures[section] - weighted(section)) < 1e-12,
      `${section}: count-weighted subsets`,
    );
  }
  const mean = Object.keys(SUBSET_MAPPING).reduce((sum, s) => sum + figures[s], 0) / 4;
  t.ok(Math.abs(figures.Score - mean) < 1e-12, "Score: the four sections' mean (no prior sets)");
  t.not(figures.Score, 0.5, "one coin-chosen order per item is not Jurist's exact 0.5");
});

t.test("--scoring: official needs a benchmark with an official scorer", async (t) => {
  const base = ["--bench", "b.jsonl", "--out", "o"];
  t.match(parseEvalArgs([...base, "--format", "jurist", "--scoring", "official"]), {
    problem: /--scoring official needs --format vlrb, mmrb or rewardbench/,
  });
  t.match(parseEvalArgs([...base, "--format", "vlrb", "--scoring", "leaderboard"]), {
    problem: /--scoring must be jurist or official/,
  });
  t.match(parseEvalArgs([...base, "--format", "vlrb", "--scoring", "official"]), {
    scoring: "official",
  });
  t.notOk(
    "scoring" in (parseEvalArgs([...base, "--format", "vlrb"]) as object),
    "default: Jurist's scoring alone",
  );
});
