import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pino } from "pino";
import sharp from "sharp";
import t, { type Test } from "tap";
import type { ImageBudget } from "../../../src/images/image-budget.ts";
import { buildContaminationIndex } from "../../../trainer/core/contamination-guard.ts";
import type { SyntheticPair } from "../../../trainer/core/synthetic-pair.ts";
import { readRecords } from "../../../trainer/io/record-journal.ts";
import { runClassify } from "../../../trainer/stages/classify.ts";
import { runIntake } from "../../../trainer/stages/intake.ts";
import type { IntakePrompt } from "../../../trainer/stages/intake-sink.ts";
import {
  DEFAULT_ITERATION_POLICY,
  type IterationContext,
} from "../../../trainer/stages/iteration-context.ts";
import { type JudgeRecord, runJudgeFilter } from "../../../trainer/stages/judge-filter.ts";
import { runSynthesize, type SynthesisRecord } from "../../../trainer/stages/synthesize.ts";
import { absurdPng } from "../../src/images/budget-images.ts";
import { openSimFleet } from "../eval/evaluate-fixtures.ts";
import { openPair, writeSynthesizedPairs } from "./synthesized-pairs.ts";

/**
 * Synthesis and the judge filter send images through the gateway's image budget, against
 * replicas in the simulator's vLLM mode at 0.12.0 with --max-model-len 8192. That mode counts
 * a Qwen2-VL-family image's tokens as the model's processor does (transformers'
 * `smart_resize` in transformers/models/qwen2_vl/image_processing_qwen2_vl.py, with
 * Qwen2.5-VL-7B-Instruct's preprocessor_config.json) and refuses a prompt longer than the
 * context with 400, as vLLM's input processor does (vllm/v1/engine/processor.py,
 * `_validate_model_input`): an unresized 4000×3000 photo is ~15k image tokens, so without the
 * budget every request with it is refused.
 */

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** A real 12-megapixel JPEG, as a phone takes them. */
function photo(): Promise<Buffer> {
  return sharp({
    create: { width: 4000, height: 3000, channels: 3, background: { r: 90, g: 120, b: 60 } },
  })
    .jpeg()
    .toBuffer();
}

/** A directory with `images/photo.jpg` (12 MP) and `images/absurd.png` (a 100,000² header). */
async function imageDir(t: Test) {
  const dir = t.testdir();
  await mkdir(join(dir, "images"), { recursive: true });
  const bytes = await photo();
  const photoPath = join(dir, "images", "photo.jpg");
  const absurdPath = join(dir, "images", "absurd.png");
  await writeFile(photoPath, bytes);
  await writeFile(absurdPath, absurdPng(100_000, 100_000));
  return { dir, photoPath, absurdPath, photoSha256: sha256(bytes) };
}

async function vllmContext(t: Test, dir: string): Promise<IterationContext> {
  const { fleet, checkpoint, imageBudget } = await openSimFleet(
    t,
    { vllmVersion: "0.12.0", maxModelLen: 8192 },
    1,
  );
  return contextOn(dir, fleet, checkpoint, imageBudget);
}

function contextOn(
  dir: string,
  engine: IterationContext["engine"],
  model: string,
  imageBudget: ImageBudget,
): IterationContext {
  return {
    iteration: 1,
    dir,
    seed: 0,
    engine,
    generator: model,
    judge: model,
    init: null,
    policy: DEFAULT_ITERATION_POLICY,
    imageBudget,
    concurrency: 2,
    logger: pino({ level: "silent" }),
    signal: new AbortController().signal,
  };
}

const QUESTION = "Describe what is happening in this photo.";

t.test("a seed prompt's 12 MP photo is synthesized within the budget, its hash kept", async (t) => {
  const { dir, photoSha256 } = await imageDir(t);
  const seeds = join(dir, "seeds.jsonl");
  const lines = [
    { id: "photo", question: QUESTION, images: ["images/photo.jpg"] },
    { id: "absurd", question: QUESTION, images: ["images/absurd.png"] },
  ];
  await writeFile(seeds, `${lines.map((line) => JSON.stringify(line)).join("\n")}\n`);
  const ctx = await vllmContext(t, dir);
  await runIntake(ctx, {
    seedFiles: [seeds],
    contamination: buildContaminationIndex([]),
    holdout: { fraction: 0 },
  });
  const taken = await readRecords<IntakePrompt>(join(dir, "intake.jsonl"));
  t.same(
    taken.find((p) => p.id === "photo")?.imageHashes,
    [photoSha256],
    "intake hashes the file's own bytes",
  );
  await runClassify(ctx);
  await runSynthesize(ctx);
  const records = await readRecords<SynthesisRecord>(join(dir, "synthesize.jsonl"));
  const byId = new Map(records.map((r) => [r.id, r]));
  const synthesized = byId.get("photo");
  t.equal(synthesized?.outcome, "pair", "the photo's prompt became a pair", { synthesized });
  if (synthesized?.outcome === "pair") {
    t.same(synthesized.pair.imageHashes, [photoSha256], "the pair keeps the original's hash");
  }
  const refused = byId.get("absurd");
  t.equal(refused?.outcome, "skip", "the absurd image's prompt is skipped");
  if (refused?.outcome === "skip") {
    t.equal(refused.reason, "image_refused");
    t.match(refused.detail, /^edge_too_long: .*absurd\.png declares 100000×100000/);
  }
});

function pairOf(promptId: string, imageSha256: string): SyntheticPair {
  const chosen = `The photo of ${promptId} shows a green field under an even light.`;
  const rejected = `The photo of ${promptId} shows a red car parked on a busy street.`;
  return openPair(promptId, QUESTION, imageSha256, chosen, rejected);
}

t.test("the judge filter judges a 12 MP photo's pair within the budget", async (t) => {
  const { dir, photoPath, absurdPath, photoSha256 } = await imageDir(t);
  const photoPair = pairOf("photo", photoSha256);
  const absurdPair = pairOf("absurd", sha256(absurdPng(100_000, 100_000)));
  await writeSynthesizedPairs(dir, [
    [photoPair, photoPath],
    [absurdPair, absurdPath],
  ]);
  const ctx = await vllmContext(t, dir);
  await runJudgeFilter(ctx);
  const records = await readRecords<JudgeRecord>(join(dir, "judge.jsonl"));
  const judged = records.find((r) => r.id === photoPair.pairId);
  t.same(
    judged?.judgements.map((j) => [j.order, j.completions.length]),
    [
      ["AB", 1],
      ["BA", 1],
    ],
    "both orders were judged",
  );
  t.same(judged?.pair.imageHashes, [photoSha256], "the record keeps the original's hash");
  const refused = records.find((r) => r.id === absurdPair.pairId);
  t.equal(refused?.kept, false, "the pair with the absurd image is recorded, not kept");
  t.equal(refused?.reason, "image_refused");
  t.same(refused?.judgements, [], "and never sent to the judge");
  t.match(refused?.detail, /^edge_too_long: /);
});
