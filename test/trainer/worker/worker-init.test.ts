import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pino } from "pino";
import t from "tap";
import { loadConfig } from "../../../src/config/config.ts";
import { openTrainerEnv } from "../../../trainer/pipeline/open-trainer-env.ts";
import { startSims } from "../../helpers/gateway.ts";
import { collectPrompts } from "../collected-prompts.ts";
import { workerFor } from "./worker-fixtures.ts";

const logger = pino({ level: "silent" });

/** A fine-tune that writes a LoRA-looking output and the arguments it was given. */
const FAKE_FINE_TUNE = `
import { mkdirSync, writeFileSync } from "node:fs";
const args = process.argv.slice(2);
const output = args[args.indexOf("--output") + 1];
mkdirSync(output, { recursive: true });
writeFileSync(output + "/adapter_config.json", "{}");
writeFileSync(output + "/argv.json", JSON.stringify(args));
`;

t.test("the worker never starts an iteration from a rejected candidate", async (t) => {
  const dir = t.testdir();
  const script = join(dir, "fake-fine-tune.mjs");
  await writeFile(script, FAKE_FINE_TUNE);
  const sims = await startSims(t, 1, { seed: 0 });
  const config = loadConfig({
    JURIST_BACKENDS: sims[0]!.url,
    JURIST_DATA_DIR: join(dir, "data"),
    JURIST_LOG_LEVEL: "silent",
    JURIST_TRAIN_MIN_NEW_PROMPTS: "8",
    JURIST_TRAIN_POLL_MS: "50",
    JURIST_FINE_TUNE_COMMAND: `node ${script} --dataset {dataset} --output {output} --init {init}`,
  });
  const opened = await openTrainerEnv(config, logger);
  t.teardown(() => opened.close());
  const { promptLog, blobs, registry } = opened.stores;
  const stop = new AbortController();
  const worker = workerFor(opened, config, stop, {
    onIteration: async (result) => {
      // The gates said no: the candidate is rejected before the next iteration starts.
      await registry.setStatus(result.candidate, "rejected", null);
    },
  });
  const running = worker.run();
  const completed = async (n: number) => {
    while ((worker.status().lastCompleted?.iteration ?? 0) < n) await sleep(50);
    return worker.status().lastCompleted!.candidate;
  };
  await collectPrompts(promptLog, blobs, 10, 21);
  const first = await completed(1);
  // The review runs right after the iteration, before the worker looks for the next one.
  while ((await registry.get(first))?.status !== "rejected") await sleep(20);
  await collectPrompts(promptLog, blobs, 10, 22);
  const second = await completed(2);
  stop.abort();
  await running;

  const iteration = (n: number) => join(config.dataDir, "trainer", `iteration-${n}`);
  const argv = async (n: number): Promise<string[]> =>
    JSON.parse(await readFile(join(iteration(n), "checkpoint", "argv.json"), "utf8"));
  t.notOk((await argv(2)).includes("--init"), "iteration 2 fine-tunes from the base model");
  t.notOk(
    (await argv(2)).some((arg) => arg.includes("iteration-1")),
    "nothing of the rejected candidate",
  );
  const manifest = JSON.parse(await readFile(join(iteration(2), "manifest.json"), "utf8"));
  t.equal(manifest.meta.initCheckpoint, null);
  t.not(manifest.meta.judgeCheckpoint, first, "the rejected candidate does not judge either");
  t.match(await registry.get(second), {
    init: null,
    parent: null,
    judge: manifest.meta.judgeCheckpoint,
  });
  const state = await opened.env.state.iteration(2);
  t.match(state.plan, { judge: manifest.meta.judgeCheckpoint, init: null, initUri: "" });
});
