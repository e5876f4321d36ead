import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pino } from "pino";
import t from "tap";
import { readJudgePrompt } from "../../../sim/prompt-reader.ts";
import { parseVerdict } from "../../../src/core/verdict-parser.ts";
import { createStores } from "../../../src/store/create-stores.ts";
import { slotsFor } from "../../../trainer/core/synthetic-pair.ts";
import type { TrainingExample } from "../../../trainer/core/training-example.ts";
import { readRecords } from "../../../trainer/io/record-journal.ts";
import { type TrainOptions, train } from "../../../trainer/pipeline/train-command.ts";
import type { IterationStage } from "../../../trainer/stages/iteration-context.ts";
import type { JudgeRecord } from "../../../trainer/stages/judge-filter.ts";
import { startSims } from "../../helpers/gateway.ts";
import { pairTruth, sceneFor } from "../../helpers/sim-world.ts";
import { trainerConfig } from "../../helpers/trainer-config.ts";
import { writeSeeds } from "../../trainer/seed-files.ts";

const logger = pino({ level: "silent" });

/** Both replicas share a sim seed, so a completion does not depend on which one served it. */
const configFor = async (dataDir: string, backends: string, env: Record<string, string> = {}) =>
  trainerConfig(dataDir, backends, env);

/**
 * Whether a verdict on slots A and B names the truly better one, by the world's truth about
 * the scene of the pair's image; null when nothing that differs separates the two responses
 * (a rewrite that only rephrased) or the verdict is unreadable.
 */
async function verdictIsRight(
  question: string,
  imagePath: string,
  slots: { slotA: string; slotB: string },
  completion: string,
): Promise<boolean | null> {
  const verdict = parseVerdict(completion, "reasoned");
  if (!verdict.ok) return null;
  const scene = sceneFor([await readFile(imagePath)], question);
  const truth = pairTruth(question, scene, slots.slotA, slots.slotB);
  if (truth === 0) return null;
  return (truth === 1 ? "A" : "B") === verdict.slot;
}

const share = (reads: (boolean | null)[]) => {
  const known = reads.filter((read) => read !== null);
  return known.filter(Boolean).length / known.length;
};

/** Precision of every judged order's verdict, before the filter, by the world's truth. */
async function precisionBefore(judged: readonly JudgeRecord[]): Promise<number> {
  const reads = judged.flatMap((record) =>
    record.judgements.flatMap(({ order, completions }) =>
      completions.map((completion) =>
        verdictIsRight(
          record.pair.question,
          record.imagePaths[0]!,
          slotsFor(record.pair, order),
          completion,
        ),
      ),
    ),
  );
  return share(await Promise.all(reads));
}

const textOf = (message: TrainingExample["messages"][number]) =>
  message.content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("\n");

async function precision(examples: readonly TrainingExample[]): Promise<number> {
  const reads = examples.map((example) => {
    const user = example.messages.findLast((m) => m.role === "user")!;
    const assistant = example.messages.findLast((m) => m.role === "assistant")!;
    const prompt = readJudgePrompt(textOf(user));
    if (!prompt) throw new Error("an example without a judge prompt");
    return verdictIsRight(prompt.question, example.images[0]!, prompt, textOf(assistant));
  });
  return share(await Promise.all(reads));
}

const stopAt = (stage: IterationStage, records: number): Partial<TrainOptions> => {
  const controller = new AbortController();
  return {
    signal: controller.signal,
    onRecord: (at, written) => {
      if (at === stage && written >= records) controller.abort(new Error(`test stop at ${stage}`));
    },
  };
};

t.test(
  "one iteration: seed prompts in, a filtered dataset and a registered candidate out",
  async (t) => {
    const dir = t.testdir();
    const seeds = await writeSeeds(dir, 60);
    const sims = await startSims(t, 2, { seed: 0 });
    const config = await configFor(join(dir, "data"), sims.map((s) => s.url).join(","));
    const [result] = await train(config, logger, { iterations: 1, seedPrompts: [seeds] });
    t.ok(result);
    const examples = await readRecords<TrainingExample>(result!.datasetPath);
    t.ok(examples.length >= 40, `${examples.length} examples`);
    for (const example of examples) {
      const { lineage } = example;
      t.ok(
        lineage.promptId && lineage.pairId && lineage.generator && lineage.judgeCheckpoint,
        "lineage names prompt, pair, generator and judge",
      );
      t.equal(lineage.iteration, 1);
      t.equal(lineage.templateVersion, "pairwise-v1");
      t.ok(example.images.every((path) => path.startsWith("/") && existsSync(path)));
    }
    const aSlots = examples.filter((e) => e.lineage.order === "AB").length;
    t.equal(aSlots * 2, examples.length, "A and B balanced");

    const judged = await readRecords<JudgeRecord>(join(result!.dir, "judge.jsonl"));
    const before = await precisionBefore(judged);
    const after = await precision(examples);
    t.ok(
      after > before,
      `label precision ${before.toFixed(3)} before the filter, ${after.toFixed(3)} after`,
    );

    const heldOut = await readRecords<{ id: string }>(join(result!.dir, "holdout.jsonl"));
    const trained = new Set(examples.map((e) => e.lineage.promptId));
    t.ok(
      heldOut.every((p) => !trained.has(p.id)),
      "no held-out prompt is trained on",
    );

    const manifest = JSON.parse(await readFile(result!.manifestPath, "utf8"));
    t.equal(manifest.stages.examples.total, examples.length);
    t.equal(manifest.meta.templateVersion, "pairwise-v1");
    t.equal(manifest.meta.generatorPromptVersion, "generator-v1");
    t.ok(manifest.retention.closed && manifest.retention.open);

    t.ok(
      existsSync(join(result!.checkpointDir, "adapter.json")),
      "the fine-tune wrote adapter.json",
    );
    const stores = await createStores(config, logger);
    const candidate = await stores.registry.get(result!.candidate);
    await stores.close();
    t.match(candidate, {
      kind: "lora",
      status: "candidate",
      uri: result!.checkpointDir,
      gateReport: result!.manifestPath,
    });
    t.ok(candidate?.judge, "judge is the champion");
    t.equal(result!.judge, candidate?.judge);
    t.equal(candidate?.init, null, "trained from the base model");
    t.equal(candidate?.parent, null, "parent is init");
  },
);

t.test(
  "interrupted during synthesis and filtering, a rerun gives the uninterrupted dataset",
  async (t) => {
    const dir = t.testdir();
    const seeds = await writeSeeds(dir, 60);
    const sims = await startSims(t, 2, { seed: 0 });
    const backends = sims.map((s) => s.url).join(",");
    const options = { iterations: 1, seedPrompts: [seeds] };

    const straight = await configFor(join(dir, "straight"), backends);
    const [expected] = await train(straight, logger, options);

    const resumed = await configFor(join(dir, "resumed"), backends);
    await t.rejects(train(resumed, logger, { ...options, ...stopAt("synthesize", 10) }));
    const iterationDir = join(dir, "resumed", "trainer", "iteration-1");
    const state = JSON.parse(await readFile(join(iterationDir, "state.json"), "utf8"));
    t.notOk(state.completed.includes("synthesize"), "synthesis is not marked done");
    await t.rejects(train(resumed, logger, { ...options, ...stopAt("judge", 5) }));
    const [actual] = await train(resumed, logger, options);

    for (const file of ["synthesize.jsonl", "judge.jsonl"]) {
      const ids = (await readRecords<{ id: string }>(join(iterationDir, file))).map((r) => r.id);
      t.equal(new Set(ids).size, ids.length, `${file} has no duplicate records`);
    }
    const lines = async (path: string) => (await readFile(path, "utf8")).split("\n").sort();
    t.strictSame(await lines(actual!.datasetPath), await lines(expected!.datasetPath));
    t.equal(actual!.candidate, expected!.candidate, "same data, same candidate id");
  },
);

t.test("a failing fine-tune fails the iteration and keeps the dataset", async (t) => {
  const dir = t.testdir();
  const seeds = await writeSeeds(dir, 10);
  const sims = await startSims(t, 1, { seed: 0 });
  const config = await configFor(join(dir, "data"), sims[0]!.url, {
    JURIST_FINE_TUNE_COMMAND: "node -e process.exit(3) {dataset}",
  });
  await t.rejects(train(config, logger, { iterations: 1, seedPrompts: [seeds] }), {
    name: "FineTuneError",
    message: /exited with code 3/,
  });
  const iterationDir = join(dir, "data", "trainer", "iteration-1");
  const state = JSON.parse(await readFile(join(iterationDir, "state.json"), "utf8"));
  t.strictSame(state.completed, ["intake", "classify", "synthesize", "judge", "dataset"]);
  t.ok(existsSync(join(iterationDir, "dataset.jsonl")));
});
