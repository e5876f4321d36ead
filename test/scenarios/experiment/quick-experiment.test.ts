import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import type { ExperimentResult } from "../../../trainer/experiment/experiment-result.ts";
import { startSims } from "../../helpers/gateway.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

// Two whole experiments (five arms, two iterations each): about 70 s on an idle 2-core machine,
// past the two minutes the project gives one file (package.json tap.timeout) when the machine
// is shared. Tells tap's runner so; each test keeps its own bound below.
t.setTimeout(600_000);

/** Runs the CLI to completion; resolves to its exit code and output. */
async function runCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ["bin/jurist.js", ...args], {
    cwd: ROOT,
    env: { ...process.env, JURIST_LOG_LEVEL: "error", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const [code] = await once(child, "exit");
  return { code: code as number, stdout, stderr };
}

/**
 * `jurist experiment --quick` as an operator runs it: all five arms, two iterations, real
 * trainer stages against simulated replicas, the simulated fine-tune as a process. The
 * outcomes below are what a correct pipeline shows in the simulated world; none is written
 * into the simulator, so each fails when the part of the pipeline it rests on breaks.
 */
t.test(
  "jurist experiment --quick: the protocol and its ablations, with their outcomes",
  { timeout: 600_000 },
  async (t) => {
    const out = await mkdtemp(join(tmpdir(), "jurist-experiment-"));
    t.teardown(() => rm(out, { recursive: true, force: true }));
    const run = await runCli(["experiment", "--out", out, "--quick"]);
    t.equal(run.code, 0, `exit code (stderr: ${run.stderr.slice(-2000)})`);
    t.match(run.stdout, /experiment written to/);

    const result = JSON.parse(
      await readFile(join(out, "experiment.json"), "utf8"),
    ) as ExperimentResult;
    t.equal(result.simulated, true);
    t.equal(result.seed, 0);
    t.ok(Object.keys(result.world).length > 0, "the world's parameters are recorded");
    t.same(Object.keys(result.arms), ["paper", "no-filter", "one-order", "gold", "flipped"]);

    const paper = result.arms.paper!.iterations;
    t.equal(paper.length, 3, "iteration 0 (the base) and two trained iterations");
    const [base, first, second] = paper as [
      (typeof paper)[0],
      (typeof paper)[0],
      (typeof paper)[0],
    ];
    t.equal(base.judge, null);
    t.equal(base.init, null);
    t.equal(first.judge, base.checkpoint, "iteration 1 is judged by the base");
    t.equal(first.init, base.checkpoint, "and fine-tuned from it");
    t.equal(second.judge, first.checkpoint, "iteration 2 is judged by iteration 1's candidate");
    t.equal(second.init, first.checkpoint, "and fine-tuned from it");
    t.not(second.checkpoint, first.checkpoint);
    for (const row of [first, second]) {
      t.ok(row.examples > 0, `iteration ${row.iteration} trained on examples`);
      t.ok(row.label_precision, `iteration ${row.iteration} measured label precision`);
      for (const name of ["vlrb", "mmrb"]) {
        const bench = row.benchmarks[name]!;
        t.type(bench.macro, "number", `${name} macro`);
        for (const [category, c] of Object.entries(bench.categories)) {
          t.ok(
            c.n > 0 && c.ci && c.ci[0] <= c.accuracy! && c.accuracy! <= c.ci[1],
            `${name} ${category}: n, accuracy inside its interval`,
          );
        }
      }
    }

    const outcomes = new Map((result.outcomes ?? []).map((o) => [o.id, o]));
    for (const id of [
      "paper-improves",
      "both-orders-matter",
      "flipped-fails",
      "filter-raises-precision",
    ]) {
      t.equal(outcomes.get(id)?.holds, true, `${id}: ${outcomes.get(id)?.detail}`);
    }
    // At two iterations no-filter's larger dataset can still beat the filtered one, and safety
    // moves through the biases the fine-tune learns (docs/experiment/experiment.md): both
    // outcomes must be judged and reported either way.
    t.type(outcomes.get("filter-matters")?.holds, "boolean", "filter-matters is judged");
    t.type(outcomes.get("safety-steady")?.holds, "boolean", "safety-steady is judged");
    // What the pipeline must guarantee about safety: no safety question reaches the data, so
    // no candidate's safety skill moves from the base judge's.
    const baseJudge = JSON.parse(
      await readFile(join(out, "runs", "low", "base-judge.json"), "utf8"),
    );
    for (const arm of ["paper", "no-filter", "gold"]) {
      const adapter = JSON.parse(
        await readFile(
          join(out, "runs", "low", arm, "trainer", "iteration-2", "checkpoint", "adapter.json"),
          "utf8",
        ),
      );
      t.equal(
        adapter.simulated_judge.skills.safety,
        baseJudge.simulated_judge.skills.safety,
        `${arm}: the safety skill is untouched`,
      );
      t.not(
        adapter.simulated_judge.skills.counting,
        baseJudge.simulated_judge.skills.counting,
        `${arm}: while counting moved`,
      );
    }

    const markdown = await readFile(join(out, "experiment.md"), "utf8");
    t.match(markdown, /SIMULATED/);
    t.match(markdown, /What this can and cannot show/i);
    const svg = await readFile(join(out, "experiment.svg"), "utf8");
    t.equal(
      (svg.match(/<polyline class="series"[^>]*data-arm="paper"/g) ?? []).length >= 1,
      true,
      "a line for paper",
    );
    for (const arm of ["no-filter", "one-order", "gold", "flipped"])
      t.match(svg, new RegExp(`data-arm="${arm}"`));
  },
);

/**
 * The same command on replicas it did not start (`--backends`), as on real vLLM: simulated
 * replicas stand in for them here, with the fine-tune command and benchmarks an operator
 * would give. No world: no label precision, and only the arms a real run can have.
 */
t.test(
  "jurist experiment --backends: the paper arm on replicas it did not start",
  { timeout: 300_000 },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "jurist-experiment-real-"));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const sims = await startSims(t, 2, { generatorNoise: "low" });
    const seeds = join(dir, "seeds.jsonl");
    t.equal((await runCli(["sim", "make-prompts", "--n", "80", "--out", seeds])).code, 0);
    t.equal(
      (await runCli(["sim", "make-bench", "--out", join(dir, "bench"), "--n", "40"])).code,
      0,
    );
    const bench = join(dir, "bench");
    const run = await runCli(
      [
        "experiment",
        "--out",
        join(dir, "out"),
        "--backends",
        sims.map((sim) => sim.url).join(","),
        "--seed-prompts",
        seeds,
        "--arms",
        "paper",
        "--iterations",
        "1",
        "--prompts",
        "80",
        "--fine-tune-command",
        "node bin/jurist.js sim fine-tune --dataset {dataset} --output {output} --init {init} --base-model {base_model}",
      ],
      {
        JURIST_BENCHMARKS: `vlrb=vlrb:${bench}/vlrb.jsonl,mmrb=mmrb:${bench}/mmrb.json,heldout=jurist:${bench}/heldout.jsonl`,
      },
    );
    t.equal(run.code, 0, run.stderr.slice(-2000));
    const result = JSON.parse(
      await readFile(join(dir, "out", "experiment.json"), "utf8"),
    ) as ExperimentResult;
    t.equal(
      result.simulated,
      true,
      "the stand-ins said they are simulated, and the result says so",
    );
    t.same(Object.keys(result.arms), ["paper"]);
    const [base, first] = result.arms.paper!.iterations;
    t.equal(first!.judge, base!.checkpoint);
    t.equal(first!.label_precision, null, "no world: no truth to measure labels against");
    t.ok(first!.examples > 0);
    t.type(first!.benchmarks.vlrb?.macro, "number");
    t.ok(result.arms.paper!.gate, "the default gates reviewed the candidate");
  },
);
