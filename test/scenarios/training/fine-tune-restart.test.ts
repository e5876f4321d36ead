import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pino } from "pino";
import t from "tap";
import { train } from "../../../trainer/pipeline/train-command.ts";
import { startSims } from "../../helpers/gateway.ts";
import { trainerConfig } from "../../helpers/trainer-config.ts";
import { writeSeeds } from "../../trainer/seed-files.ts";

const logger = pino({ level: "silent" });

/**
 * A fine-tune command that records each run (its --output, and whether SIGTERM reached it) and
 * trains for as long as nobody stops it, as deploy/fine-tune/k8s/run-job.sh does while its Job
 * runs; a second run exits 3, so the test needs no real checkpoint.
 */
function recordingCommand(dir: string): { template: string; runs: () => string[] } {
  const log = join(dir, "fine-tune-runs.log");
  const script = join(dir, "fine-tune.mjs");
  writeFileSync(
    script,
    `import { appendFileSync, existsSync } from "node:fs";
const log = ${JSON.stringify(log)};
const output = process.argv[process.argv.indexOf("--output") + 1];
const first = !existsSync(log);
appendFileSync(log, "started " + output + "\\n");
if (!first) process.exit(3);
process.on("SIGTERM", () => { appendFileSync(log, "SIGTERM\\n"); process.exit(143); });
setInterval(() => {}, 1000);
`,
  );
  return {
    template: `node ${script} --dataset {dataset} --output {output}`,
    runs: () => (existsSync(log) ? readFileSync(log, "utf8").trimEnd().split("\n") : []),
  };
}

t.test(
  "a trainer stopped during the fine-tune resumes the iteration at it, with the same output",
  async (t) => {
    const dir = t.testdir();
    const seeds = await writeSeeds(dir, 10);
    const sims = await startSims(t, 1, { seed: 0 });
    const command = recordingCommand(dir);
    const config = await trainerConfig(join(dir, "data"), sims[0]!.url, {
      JURIST_FINE_TUNE_COMMAND: command.template,
    });
    const options = { iterations: 1, seedPrompts: [seeds], evaluate: false };
    const controller = new AbortController();
    const first = train(config, logger, { ...options, signal: controller.signal });
    // Stop the trainer once its fine-tune runs (the Job would be hours in).
    while (command.runs().length === 0) await sleep(50);
    controller.abort(new Error("trainer stopping"));
    await t.rejects(first);
    const iterationDir = join(dir, "data", "trainer", "iteration-1");
    const state = JSON.parse(readFileSync(join(iterationDir, "state.json"), "utf8"));
    t.strictSame(state.completed, ["intake", "classify", "synthesize", "judge", "dataset"]);

    // The restarted trainer: the same iteration, at its fine-tune, with the same output (the
    // Kubernetes template's Job name follows from it, so it re-attaches).
    await t.rejects(train(config, logger, options), { message: /exited with code 3/ });
    const output = join(iterationDir, "checkpoint");
    t.strictSame(command.runs(), [`started ${output}`, "SIGTERM", `started ${output}`]);
    t.notOk(existsSync(join(dir, "data", "trainer", "iteration-2")), "no new iteration");
  },
);
