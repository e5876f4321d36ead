import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pino } from "pino";
import t from "tap";
import { loadConfig } from "../../../src/config/config.ts";
import { embeddedDefault } from "../../../src/embedded-default.ts";
import { runEvaluation } from "../../../trainer/eval/eval-command.ts";
import { train } from "../../../trainer/pipeline/train-command.ts";
import { writeSeeds } from "../../trainer/seed-files.ts";

const logger = pino({ level: "silent" });
const { simulation } = embeddedDefault;

t.test(
  "embedded default: train evaluates each candidate on the simulated benchmarks, and eval --checkpoint loads a candidate onto fresh simulated replicas",
  async (t) => {
    const dir = t.testdir();
    const seeds = await writeSeeds(dir, 20);
    const { JURIST_BACKENDS: _unset, ...env } = process.env;
    const config = loadConfig({
      ...env,
      JURIST_BACKENDS: "",
      JURIST_BENCHMARKS: "",
      JURIST_DATA_DIR: join(dir, "data"),
      JURIST_LOG_LEVEL: "silent",
      JURIST_SIM_LATENCY_MS: "0",
    });
    const [result] = await train(config, logger, {
      iterations: 1,
      seedPrompts: [seeds],
      simulation,
    });
    t.ok(result);
    const summary = JSON.parse(await readFile(result!.evalReportPath!, "utf8"));
    t.same(
      summary.evaluations.map((e: { benchmark: string }) => e.benchmark),
      ["vlrb", "mmrb", "heldout"],
      "the simulated benchmarks the gates use",
    );
    for (const name of ["vlrb", "mmrb", "heldout"]) {
      const report = JSON.parse(
        await readFile(join(result!.dir, "eval", name, "report.json"), "utf8"),
      );
      t.equal(report.meta.checkpoint, result!.candidate);
      t.equal(report.meta.simulated, true, `${name} is marked simulated`);
      t.equal(report.failed, 0);
      t.ok(existsSync(join(result!.dir, "eval", name, "report.md")));
    }

    // A new process's replicas know nothing of the candidate: eval loads it on demand.
    const out = join(dir, "eval-out");
    const { report } = await runEvaluation(
      config,
      logger,
      {
        bench: join(config.dataDir, "sim-bench", "vlrb.jsonl"),
        format: "vlrb",
        out,
        checkpoint: result!.candidate,
        unparseable: "wrong",
        seed: 0,
      },
      { simulation },
    );
    t.equal(report.meta.checkpoint, result!.candidate);
    t.equal(report.failed, 0, "every item judged by the loaded candidate");
    t.ok(report.judged > 0);

    await t.rejects(
      runEvaluation(
        config,
        logger,
        {
          bench: join(config.dataDir, "sim-bench", "vlrb.jsonl"),
          format: "vlrb",
          out: join(dir, "nowhere"),
          checkpoint: "jurist-judge-unknown",
          unparseable: "wrong",
          seed: 0,
        },
        { simulation },
      ),
      /not registered/,
    );
  },
);
