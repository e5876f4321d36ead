import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileWriter, parquetWriteRows } from "hyparquet-writer";
import t from "tap";
import { readDataset } from "../../../sim/dataset-reader.ts";
import type { JudgeParams } from "../../../sim/world/judge.ts";
import {
  contentSeed,
  DEFAULT_LEARNER,
  exampleFeatures,
  fitJudge,
  type LearnerExample,
  type LearnerOptions,
} from "../../../sim/world/learner.ts";
import { DEFAULT_WORLD_KEY } from "../../../sim/world/scene.ts";
import { JUDGE_SKILLS, uniformSkills } from "../../../sim/world/skills.ts";
import {
  buildTrainingExample,
  type TrainingExample,
} from "../../../trainer/core/training-example.ts";
import {
  DATASET_COLUMNS,
  datasetSchema,
  huggingFaceMetadata,
  writeDatasetParquet,
} from "../../../trainer/io/dataset-parquet.ts";
import { type ClosedSkill, closedPair, sceneFor, worldImage } from "../../helpers/sim-world.ts";
import { parquetCompressors } from "../../trainer/eval/parquet-codecs.ts";

/**
 * The simulated fine-tune's learner, fed real generated data: scenes read from PNG bytes,
 * closed questions of the world, a right and a wrong answer to each.
 */

const INIT: JudgeParams = { skills: uniformSkills(0.6), positionBias: 0.2, lengthBias: 0 };
const OPTIONS: LearnerOptions = {
  ...DEFAULT_LEARNER,
  step: 0.05,
  epochs: 5,
  shuffleSeed: "learner",
};

interface Labelled {
  question: string;
  image: Buffer;
  better: string;
  worse: string;
}

/** `n` pairs of closed questions of one skill, each about its own image. */
function pairs(n: number, skill: ClosedSkill, tag: string): Labelled[] {
  return Array.from({ length: n }, (_, i) => {
    const image = worldImage(`${tag}-${skill}-${i}`);
    const pair = closedPair(sceneFor([image], ""), skill, `${tag}-${i}`);
    return { question: pair.question, image, better: pair.better, worse: pair.worse };
  });
}

/**
 * Learner examples of the pairs. `label` "right" names the better answer, "flipped" the worse;
 * `slots` "balanced" puts the better one in slot A for even indexes, "A" always in slot A.
 */
function examples(
  list: readonly Labelled[],
  label: "right" | "flipped" = "right",
  slots: "balanced" | "A" = "balanced",
): LearnerExample[] {
  return list.map((p, i) => {
    const betterInA = slots === "A" || i % 2 === 0;
    const named = (label === "right") === betterInA ? "A" : "B";
    return exampleFeatures(
      {
        question: p.question,
        scene: sceneFor([p.image], p.question),
        slotA: betterInA ? p.better : p.worse,
        slotB: betterInA ? p.worse : p.better,
        worldKey: DEFAULT_WORLD_KEY,
        verdict: named,
      },
      undefined,
    );
  });
}

const fit = (data: LearnerExample[], init = INIT) => fitJudge(init, data, OPTIONS).params;

t.test("exampleFeatures reads the image's evidence, length and order", async (t) => {
  const [p] = pairs(1, "counting", "features");
  const [ab, ba] = [examples([p!], "right", "A")[0]!, examples([p!, p!])[1]!];
  t.same(ab.evidence, { counting: 1 }, "the image bears out slot A");
  t.same(ba.evidence, { counting: -1 }, "…and slot B when swapped");
  t.equal(ab.label, 1);
  t.equal(ba.label, 0);
  t.equal(ab.pairKey, ba.pairKey, "the same pair in either order");
  t.equal(ab.pairSide, -ba.pairSide);
});

t.test("correct labels raise the skill they teach and leave the others alone", async (t) => {
  const learnt = fit(examples(pairs(200, "counting", "right")));
  t.ok(
    learnt.skills.counting > INIT.skills.counting + 0.1,
    `counting 0.6 → ${learnt.skills.counting.toFixed(3)}`,
  );
  for (const skill of JUDGE_SKILLS.filter((s) => s !== "counting")) {
    t.equal(learnt.skills[skill], INIT.skills[skill], `${skill} unchanged`);
  }
  const text = fit(examples(pairs(200, "text", "right")));
  t.ok(text.skills.text > 0.7 && text.skills.counting === 0.6, "text teaches text, not counting");
});

t.test("flipped labels lower the skill", async (t) => {
  const learnt = fit(examples(pairs(200, "attributes", "flipped"), "flipped"));
  t.ok(
    learnt.skills.attributes < INIT.skills.attributes - 0.1,
    `attributes 0.6 → ${learnt.skills.attributes.toFixed(3)}`,
  );
  const mixed = [
    ...examples(pairs(150, "attributes", "mix-right")),
    ...examples(pairs(50, "attributes", "mix-flipped"), "flipped"),
  ];
  const noisy = fit(mixed).skills.attributes;
  const clean = fit(examples(pairs(200, "attributes", "mix-right"))).skills.attributes;
  t.ok(
    noisy > 0.6 && noisy < clean,
    `75% right labels: 0.6 → ${noisy.toFixed(3)} < clean ${clean.toFixed(3)}`,
  );
});

t.test("duplicates teach less than fresh data of the same size", async (t) => {
  const fresh = examples(pairs(200, "spatial", "fresh"));
  const half = examples(pairs(100, "spatial", "dup"));
  const freshSkill = fit(fresh).skills.spatial;
  const dupSkill = fit([...half, ...half]).skills.spatial;
  t.ok(dupSkill > INIT.skills.spatial, `duplicates still teach: ${dupSkill.toFixed(4)}`);
  t.ok(
    freshSkill > dupSkill,
    `200 fresh → ${freshSkill.toFixed(4)} > 100 twice → ${dupSkill.toFixed(4)}`,
  );
});

t.test("one slot only raises the position bias; balanced slots do not", async (t) => {
  const list = pairs(200, "existence", "slots");
  const oneSlot = fit(examples(list, "right", "A"));
  const balanced = fit(examples(list, "right", "balanced"));
  t.ok(
    oneSlot.positionBias > INIT.positionBias + 0.05,
    `all A: 0.2 → ${oneSlot.positionBias.toFixed(3)}`,
  );
  t.ok(
    balanced.positionBias <= INIT.positionBias,
    `balanced: 0.2 → ${balanced.positionBias.toFixed(3)}`,
  );
});

t.test("the candidate depends only on the init and the dataset", async (t) => {
  const data = [
    ...examples(pairs(80, "reasoning", "det")),
    ...examples(pairs(40, "counting", "det"), "flipped"),
  ];
  t.same(
    fitJudge(INIT, data, OPTIONS),
    fitJudge(INIT, [...data], { ...OPTIONS }),
    "same inputs, same params",
  );
  const other = fitJudge({ ...INIT, skills: uniformSkills(0.7) }, data, OPTIONS).params;
  t.not(other.skills.reasoning, fit(data).skills.reasoning, "another init, another candidate");
  const capped = fitJudge({ ...INIT, capacity: { counting: 0.5 } }, data, OPTIONS).params;
  t.same(capped.capacity, { counting: 0.5 }, "capacity is carried, never learnt");
  const losses = fitJudge(INIT, data, OPTIONS).losses;
  t.equal(losses.length, OPTIONS.epochs);
  t.ok(losses.at(-1)! < losses[0]!, `loss falls: ${losses.map((l) => l.toFixed(3)).join(" → ")}`);
});

/** Writes a TRL dataset of the pairs, with real PNGs relative to the file; returns its path. */
function writeDataset(dir: string, list: readonly Labelled[], label: "right" | "flipped"): string {
  mkdirSync(join(dir, "images"), { recursive: true });
  const lines = list.map((p, i) => {
    const imagePath = `images/${i}.png`;
    writeFileSync(join(dir, imagePath), p.image);
    const [chosen, rejected] = label === "right" ? [p.better, p.worse] : [p.worse, p.better];
    const order = i % 2 === 0 ? "AB" : "BA";
    const example = buildTrainingExample({
      pair: {
        pairId: `pair-${i}`,
        promptId: `prompt-${i}`,
        question: p.question,
        imageHashes: [createHash("sha256").update(p.image).digest("hex")],
        chosen,
        rejected,
        questionKind: "closed",
        recipe: "majority_vote",
        generator: "jurist-sim-judge",
        generatorPromptVersion: "generator-v1",
      },
      order,
      trace: `Simulated reasons.\n[[${order === "AB" ? "A" : "B"}]]`,
      imagePaths: [imagePath],
      judgeCheckpoint: "jurist-sim-judge",
      iteration: 1,
    });
    return JSON.stringify(example);
  });
  const file = join(dir, "dataset.jsonl");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

const cli = new URL("../../../bin/jurist.js", import.meta.url).pathname;

function fineTune(dataset: string, output: string, ...flags: string[]) {
  const args = ["sim", "fine-tune", "--dataset", dataset, "--output", output, ...flags];
  const run = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
  const adapter =
    run.status === 0 ? JSON.parse(readFileSync(join(output, "adapter.json"), "utf8")) : null;
  return { run, adapter };
}

t.test("the learner sees with the base model's eyesight, not the world's truth", async (t) => {
  const dir = t.testdir();
  const file = writeDataset(dir, pairs(200, "counting", "sight"), "right");
  const full = await readDataset(file, DEFAULT_WORLD_KEY, undefined);
  const half = await readDataset(file, DEFAULT_WORLD_KEY, { counting: 0.5 });
  const seen = (r: typeof full) =>
    r.examples.filter((e) => e.evidence.counting !== undefined).length;
  t.equal(seen(full), 200, "full eyesight sees every differing count");
  t.ok(seen(half) > 70 && seen(half) < 130, `half eyesight sees about half: ${seen(half)} of 200`);
  const none = await readDataset(file, DEFAULT_WORLD_KEY, { counting: 0 });
  t.equal(seen(none), 0, "a model that cannot count learns nothing about counting");
  t.same(fit(none.examples).skills.counting, INIT.skills.counting, "so its counting stays");
});

t.test("the candidate does not depend on the file's lineage (iteration, judge, arm)", async (t) => {
  const dir = t.testdir();
  const file = writeDataset(dir, pairs(60, "counting", "lineage"), "right");
  const relabelled = join(dir, "other-iteration.jsonl");
  const lines = readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((line) => {
      const example = JSON.parse(line);
      example.lineage = {
        ...example.lineage,
        iteration: 7,
        judgeCheckpoint: "another-judge",
        flipped: false,
      };
      return JSON.stringify(example);
    });
  writeFileSync(relabelled, `${lines.join("\n")}\n`);
  const a = await readDataset(file, DEFAULT_WORLD_KEY, undefined);
  const b = await readDataset(relabelled, DEFAULT_WORLD_KEY, undefined);
  const seeded = (x: typeof a) =>
    fitJudge(INIT, x.examples, { ...OPTIONS, shuffleSeed: contentSeed(x.examples) }).params;
  t.same(seeded(a), seeded(b));
});

t.test("readDataset sees the images beside the file", async (t) => {
  const dir = t.testdir();
  const file = writeDataset(dir, pairs(10, "counting", "read"), "right");
  const read = await readDataset(file, DEFAULT_WORLD_KEY, undefined);
  t.equal(read.unreadable, 0);
  t.same(
    read.examples.map((e) => e.evidence),
    read.examples.map((e) => ({ counting: e.label === 1 ? 1 : -1 })),
    "every verdict names the side the image bears out",
  );
  writeFileSync(join(dir, "images", "3.png"), worldImage("another image"));
  rmSync(join(dir, "images", "5.png"));
  const changed = await readDataset(file, DEFAULT_WORLD_KEY, undefined);
  t.equal(changed.unreadable, 1, "a missing image makes its example unreadable");
  t.equal(changed.examples.length, 9);
  t.not(changed.examples[3]!.pairKey, read.examples[3]!.pairKey, "other bytes, another scene");
});

t.test("jurist sim fine-tune, as a process: labels move the judge; --init chains", async (t) => {
  const dir = t.testdir();
  const right = writeDataset(join(dir, "right"), pairs(200, "counting", "cli"), "right");
  const flipped = writeDataset(join(dir, "flipped"), pairs(200, "counting", "cli-flip"), "flipped");
  const base = ["--base-accuracy", "0.6", "--base-position-bias", "0.2"];

  const one = fineTune(right, join(dir, "iter-1"), ...base);
  t.equal(one.run.status, 0, one.run.stderr);
  t.match(one.run.stdout, /\[simulated\] epoch 5\/5 loss/);
  t.equal(one.adapter.simulated, true);
  t.equal(one.adapter.examples, 200);
  t.equal(one.adapter.unreadable_examples, 0, "every image was found relative to the dataset");
  const judge = one.adapter.simulated_judge;
  t.ok(judge.skills.counting > 0.7, `counting 0.6 → ${judge.skills.counting}`);
  for (const skill of JUDGE_SKILLS.filter((s) => s !== "counting"))
    t.equal(judge.skills[skill], 0.6);
  t.ok(judge.position_bias <= 0.2, `balanced orders: position bias ${judge.position_bias}`);

  const again = fineTune(right, join(dir, "iter-1-again"), ...base);
  t.same(again.adapter.simulated_judge, judge, "same init and dataset, same adapter");

  const two = fineTune(right, join(dir, "iter-2"), ...base, "--init", join(dir, "iter-1"));
  t.equal(two.run.status, 0, two.run.stderr);
  t.same(two.adapter.init_judge.skills, judge.skills, "iteration 2 starts from iteration 1");
  t.equal(two.adapter.init, join(dir, "iter-1"));
  t.ok(
    two.adapter.simulated_judge.skills.counting > judge.skills.counting,
    "and moves on from there",
  );

  const bad = fineTune(flipped, join(dir, "flipped-out"), ...base);
  t.equal(bad.run.status, 0, bad.run.stderr);
  t.ok(
    bad.adapter.simulated_judge.skills.counting < 0.5,
    `flipped: 0.6 → ${bad.adapter.simulated_judge.skills.counting}`,
  );

  const usage = spawnSync(process.execPath, [cli, "sim", "fine-tune", "--output", dir], {
    encoding: "utf8",
  });
  t.equal(usage.status, 2);
  t.match(usage.stderr, /usage: jurist sim fine-tune/);
});

t.test(
  "jurist sim fine-tune learns the same from the parquet form (embedded images)",
  async (t) => {
    const dir = t.testdir();
    const jsonl = writeDataset(dir, pairs(80, "counting", "forms"), "right");
    // The same examples, written as the dataset stage writes JURIST_DATASET_IMAGES=embedded
    // (its writer reads each path as given, so make them absolute first).
    const examples = readFileSync(jsonl, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as TrainingExample)
      .map((e) => ({ ...e, images: e.images.map((image) => join(dir, image)) }));
    const parquet = join(dir, "elsewhere", "dataset.parquet");
    mkdirSync(join(dir, "elsewhere"));
    await writeDatasetParquet(parquet, examples);
    const fromPaths = fineTune(jsonl, join(dir, "from-paths"), "--base-accuracy", "0.6");
    // Without the image files the parquet form must rely on the bytes it embeds.
    rmSync(join(dir, "images"), { recursive: true });
    const fromBytes = fineTune(parquet, join(dir, "from-bytes"), "--base-accuracy", "0.6");
    t.equal(fromBytes.run.status, 0, fromBytes.run.stderr);
    t.equal(fromBytes.adapter.examples, 80);
    t.equal(fromBytes.adapter.unreadable_examples, 0, "every image read from its embedded bytes");
    t.strictSame(
      fromBytes.adapter.simulated_judge,
      fromPaths.adapter.simulated_judge,
      "same adapter",
    );
    t.ok(fromBytes.adapter.simulated_judge.skills.counting > 0.6, "and it did learn");
    const gone = fineTune(jsonl, join(dir, "no-images"), "--base-accuracy", "0.6");
    t.equal(gone.adapter.unreadable_examples, 80, "while the paths form has lost its images");
  },
);

// hyparquet 1.33.0 alone decodes only SNAPPY and uncompressed pages; a dataset.parquet a user
// re-saved with GZIP or ZSTD (pandas/pyarrow let them choose) must still be read, as the
// benchmark loaders read such files (hyparquet-compressors 1.1.2), and in row batches.
t.test(
  "readDataset reads a parquet dataset re-saved with GZIP or ZSTD, past one batch",
  async (t) => {
    const dir = t.testdir();
    const jsonl = writeDataset(dir, pairs(230, "counting", "codecs"), "right");
    const examples = readFileSync(jsonl, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as TrainingExample)
      .map((e) => ({ ...e, images: e.images.map((image) => join(dir, image)) }));
    const fromPaths = await readDataset(jsonl, DEFAULT_WORLD_KEY, undefined);
    t.equal(fromPaths.examples.length, 230);
    const snappy = join(dir, "dataset.parquet");
    await writeDatasetParquet(snappy, examples);
    t.strictSame(await readDataset(snappy, DEFAULT_WORLD_KEY, undefined), fromPaths, "SNAPPY");
    for (const codec of ["GZIP", "ZSTD"] as const) {
      const file = join(dir, `${codec}.parquet`);
      await parquetWriteRows({
        writer: fileWriter(file),
        rows: examples.map((e) => ({
          messages: e.messages.map((m) => ({
            role: m.role,
            content: m.content.map((p) => ({
              type: p.type,
              text: p.type === "text" ? p.text : null,
            })),
          })),
          images: e.images.map((path) => ({
            bytes: new Uint8Array(readFileSync(path)),
            path: null,
          })),
          lineage: { ...e.lineage, iteration: BigInt(e.lineage.iteration), flipped: null },
        })),
        columns: DATASET_COLUMNS.map(([column]) => ({ name: column })),
        schema: datasetSchema(),
        rowGroupSize: 100,
        codec,
        compressors: await parquetCompressors(),
        kvMetadata: [{ key: "huggingface", value: huggingFaceMetadata() }],
      });
      t.strictSame(await readDataset(file, DEFAULT_WORLD_KEY, undefined), fromPaths, codec);
    }
  },
);
