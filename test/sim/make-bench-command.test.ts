import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { parseMakeBenchArgs } from "../../sim/make-bench-command.ts";
import { SIM_BENCH_CATEGORIES } from "../../sim/sim-bench-questions.ts";
import { loadBenchmark } from "../../trainer/eval/load-benchmark.ts";

const CLI = new URL("../../bin/jurist.js", import.meta.url).pathname;
const N = 40;

const makeBench = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, "sim", "make-bench", ...args], { encoding: "utf8" });

const countBy = (values: readonly string[]) =>
  values.reduce<Record<string, number>>((counts, v) => {
    counts[v] = (counts[v] ?? 0) + 1;
    return counts;
  }, {});

t.test("jurist sim make-bench writes files every loader reads cleanly", async (t) => {
  const dir = t.testdir();
  const run = makeBench("--out", dir, "--n", String(N));
  t.equal(run.status, 0, run.stderr);
  t.same(
    run.stdout.trim().split("\n"),
    ["vlrb.jsonl", "mmrb.json", "heldout.jsonl"].map((f) => join(dir, f)),
  );
  t.match(readFileSync(join(dir, "README.txt"), "utf8"), /^SIMULATED BENCHMARK FILES/);

  const vlrb = await loadBenchmark(join(dir, "vlrb.jsonl"), "vlrb");
  t.equal(vlrb.rowsRead, N);
  t.same(vlrb.malformed, []);
  t.same(
    countBy(vlrb.items.map((i) => i.category)),
    { general: 6, hallucination: 24, reasoning: 10 },
    "VLRB's proportions",
  );
  const ids = vlrb.items.map((i) => i.id);
  t.ok(ids.length - new Set(ids).size >= 2, "some ids repeat, as in the real file");
  t.equal(new Set(vlrb.items.map((i) => i.key)).size, N, "item keys stay unique");
  const second = vlrb.items.filter((i) => !i.firstIsChosen).length;
  t.ok(second >= 1 && second <= 2, `preferred response first in ${N - second} of ${N} rows`);

  const mmrb = await loadBenchmark(join(dir, "mmrb.json"), "mmrb");
  t.equal(mmrb.rowsRead, N);
  t.same(mmrb.malformed, []);
  const mmrbCounts = countBy(mmrb.items.map((i) => i.category));
  t.same(Object.keys(mmrbCounts).sort(), [...SIM_BENCH_CATEGORIES.mmrb].sort(), "every split");
  t.ok(
    Object.values(mmrbCounts).every((c) => c === N / 8),
    "spread evenly",
  );
  const mmrbFirst = mmrb.items.filter((i) => i.firstIsChosen).length;
  t.ok(mmrbFirst > 8 && mmrbFirst < 32, `MMRB's Better is mixed: Output1 in ${mmrbFirst}`);

  const heldout = await loadBenchmark(join(dir, "heldout.jsonl"), "jurist");
  t.equal(heldout.rowsRead, N);
  t.same(heldout.malformed, []);
  t.same(countBy(heldout.items.map((i) => i.category)), { synthetic: N });

  const images = [...vlrb.items, ...mmrb.items, ...heldout.items].map((i) => i.imageSha256s[0]);
  t.equal(new Set(images).size, 3 * N, "every item has its own image");
});

t.test("bad flags print the usage and exit 2", async (t) => {
  const run = makeBench("--n", "40");
  t.equal(run.status, 2);
  t.match(run.stderr, /--out is required\nusage: jurist sim make-bench/);
  t.same(parseMakeBenchArgs(["--out", "d"]), { out: "d", n: 300, seed: "0" }, "defaults");
  t.same(parseMakeBenchArgs(["--out", "d", "--n", "9", "--seed", "x"]), {
    out: "d",
    n: 9,
    seed: "x",
  });
  t.match(parseMakeBenchArgs(["--out", "d", "--n", "3"]), /--n must be an integer from 8/);
  t.match(parseMakeBenchArgs(["--out", "d", "--n", "1.5"]), /--n must be an integer/);
  t.match(parseMakeBenchArgs(["--out", "d", "--bogus"]), /bogus/);
});
