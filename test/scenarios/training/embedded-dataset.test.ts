import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pino } from "pino";
import t from "tap";
import { train } from "../../../trainer/pipeline/train-command.ts";
import { startSims } from "../../helpers/gateway.ts";
import { trainerConfig } from "../../helpers/trainer-config.ts";
import { writeSeeds } from "../../trainer/seed-files.ts";

// `jurist train` with JURIST_DATASET_IMAGES=embedded on simulated replicas: the iteration writes
// dataset.parquet, the fine-tune command gets it as {dataset}, and the simulated fine-tune
// learns from it what it learns from the JSONL of the same examples.

const logger = pino({ level: "silent" });

const adapterOf = async (checkpointDir: string) =>
  JSON.parse(await readFile(join(checkpointDir, "adapter.json"), "utf8"));

t.test("embedded: the iteration trains on dataset.parquet, as it would on the JSONL", async (t) => {
  const dir = t.testdir();
  const seeds = await writeSeeds(dir, 40);
  const sims = await startSims(t, 2, { seed: 0 });
  const backends = sims.map((s) => s.url).join(",");
  const options = { iterations: 1, seedPrompts: [seeds] };

  const pathsConfig = await trainerConfig(join(dir, "paths"), backends);
  const [paths] = await train(pathsConfig, logger, options);
  const embeddedConfig = await trainerConfig(join(dir, "embedded"), backends, {
    JURIST_DATASET_IMAGES: "embedded",
  });
  const [embedded] = await train(embeddedConfig, logger, options);

  t.equal(embedded!.datasetPath, join(embedded!.dir, "dataset.parquet"));
  t.notOk(existsSync(join(embedded!.dir, "dataset.jsonl")), "one form on disk");
  const manifest = JSON.parse(await readFile(embedded!.manifestPath, "utf8"));
  const fromBytes = await adapterOf(embedded!.checkpointDir);
  const fromPaths = await adapterOf(paths!.checkpointDir);
  t.equal(fromBytes.dataset, embedded!.datasetPath, "the fine-tune was given the parquet file");
  t.equal(fromBytes.examples, manifest.stages.examples.total, "and read every example of it");
  t.equal(fromBytes.unreadable_examples, 0);
  t.ok(fromBytes.examples >= 20, `${fromBytes.examples} examples`);
  t.equal(fromBytes.examples, fromPaths.examples);
  t.strictSame(fromBytes.simulated_judge, fromPaths.simulated_judge, "the same adapter");
});

t.test(
  "a rerun after the dataset stage uses the form it wrote, whatever the setting now",
  async (t) => {
    const dir = t.testdir();
    const seeds = await writeSeeds(dir, 10);
    const sims = await startSims(t, 1, { seed: 0 });
    const data = join(dir, "data");
    const failing = await trainerConfig(data, sims[0]!.url, {
      JURIST_DATASET_IMAGES: "embedded",
      JURIST_FINE_TUNE_COMMAND: "node -e process.exit(3) {dataset}",
    });
    const options = { iterations: 1, seedPrompts: [seeds] };
    await t.rejects(train(failing, logger, options), { name: "FineTuneError" });
    const rerun = await trainerConfig(data, sims[0]!.url, { JURIST_DATASET_IMAGES: "paths" });
    const [result] = await train(rerun, logger, options);
    t.equal(result!.datasetPath, join(result!.dir, "dataset.parquet"));
    const adapter = await adapterOf(result!.checkpointDir);
    t.equal(adapter.dataset, result!.datasetPath);
    t.equal(adapter.unreadable_examples, 0);
  },
);
