// `jurist eval` on benchmark files as their publishers ship them, run as a process on
// in-process simulated replicas (as eval-command.test.ts runs it):
// - RewardBench: allenai/reward-bench's `filtered` split as the Hub stores it, SNAPPY parquet
//   with the dataset card's columns (README.md revision 8def74f; see rewardbench-parquet-file.ts);
// - VL-RewardBench: MMInstruction/VL-RewardBench's test-00000-of-00001.parquet (images inline)
//   re-saved with GZIP, queries carrying the `<image>\n` that the official inference_hf.py
//   (vl-rewardbench/VL_RewardBench, commit 9b10abd) removes before judging.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { seedImage } from "../../../sim/seed-prompts.ts";
import { describedPair, pairTruth, sceneFor } from "../../helpers/sim-world.ts";
import { runEval } from "./eval-cli.ts";
import { tempDir } from "./evaluate-fixtures.ts";
import { writeRewardBenchParquet } from "./rewardbench-parquet-file.ts";
import { writeVlrbParquet } from "./vlrb-parquet-file.ts";

const SUBSETS = ["alpacaeval-easy", "llmbar-adver-GPTInst", "xstest-should-respond"];

/** Text pairs the simulated judge can settle: chosen describes the prompt's scene truly. */
function rewardBenchRows(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const prompt = `Describe the scene of prompt number ${i}.`;
    const { better, worse } = describedPair(sceneFor([], prompt), `rb-${i}`);
    if (pairTruth(prompt, sceneFor([], prompt), better, worse) !== 1) {
      throw new Error(`pair ${i}: chosen is not better`);
    }
    return {
      prompt,
      chosen: better,
      chosen_model: "gpt-4",
      rejected: worse,
      rejected_model: "alpaca-7b",
      subset: SUBSETS[i % SUBSETS.length]!,
      id: BigInt(30 + i),
    };
  });
}

const readReport = (out: string) => JSON.parse(readFileSync(join(out, "report.json"), "utf8"));

t.test("RewardBench parquet as the Hub ships it: jurist eval judges every row", async (t) => {
  const dir = tempDir("rb-parquet");
  const bench = join(dir, "filtered-00000-of-00001.parquet");
  await writeRewardBenchParquet(bench, rewardBenchRows(9));
  const out = join(dir, "out");
  const { code, stdout, stderr } = await runEval([
    "--bench",
    bench,
    "--format",
    "rewardbench",
    "--out",
    out,
  ]);
  t.equal(code, 0, stderr);
  t.match(stdout, /\(9 judged, 0 skipped, 0 failed, 0 malformed of 9 rows\)/);
  const report = readReport(out);
  t.match(report, { items: 9, judged: 9, malformed: 0, meta: { format: "rewardbench" } });
  t.same(Object.keys(report.categories).sort(), [
    "alpacaeval-easy",
    "llmbar-adver-gptinst",
    "xstest-should-respond",
  ]);
  t.ok(report.overall.accuracy > 0.5, "the simulated judge prefers the true descriptions");
});

t.test("a GZIP VL-RewardBench parquet: jurist eval judges every row", async (t) => {
  const dir = tempDir("vlrb-gzip");
  const bench = join(dir, "test-00000-of-00001.parquet");
  const rows = Array.from({ length: 6 }, (_, i) => {
    const image = seedImage(`vlrb-gzip-${i}`);
    const query = `<image>\nDescribe what is happening in photo ${i}.`;
    const { better, worse } = describedPair(sceneFor([image], query), `vlrb-${i}`);
    // Stored preferred-first except one row, as the release stores five of its 1,250.
    const preferredFirst = i !== 3;
    return {
      id: i % 2 === 0 ? `RLAIF-V-${i}` : `mathverse_${i}`,
      query,
      image: { bytes: image, path: null },
      response: preferredFirst ? [better, worse] : [worse, better],
      human_ranking: preferredFirst ? [0n, 1n] : [1n, 0n],
    };
  });
  await writeVlrbParquet(bench, rows, "GZIP");
  const out = join(dir, "out");
  const { code, stdout, stderr } = await runEval([
    "--bench",
    bench,
    "--format",
    "vlrb",
    "--out",
    out,
  ]);
  t.equal(code, 0, stderr);
  t.match(stdout, /\(6 judged, 0 skipped, 0 failed, 0 malformed of 6 rows\)/);
  const report = readReport(out);
  t.match(report, { items: 6, judged: 6, chosen_first: 5, meta: { format: "vlrb" } });
  t.same(Object.keys(report.categories).sort(), ["hallucination", "reasoning"]);
  t.ok(report.overall.accuracy > 0.5, "the simulated judge prefers the true descriptions");
});
