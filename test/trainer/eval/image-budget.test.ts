import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import t from "tap";
import { evaluateCheckpoint } from "../../../trainer/eval/evaluate.ts";
import { IMAGE_REFUSED } from "../../../trainer/eval/item-resolution.ts";
import { loadBenchmark } from "../../../trainer/eval/load-benchmark.ts";
import { absurdPng } from "../../src/images/budget-images.ts";
import { openSimFleet, tempDir } from "./evaluate-fixtures.ts";

/**
 * An evaluation sends its images through the gateway's image budget, against a replica in the
 * simulator's vLLM mode at 0.12.0 with --max-model-len 8192. That mode counts a
 * Qwen2-VL-family image's tokens as the model's processor does (transformers' `smart_resize`
 * in transformers/models/qwen2_vl/image_processing_qwen2_vl.py, with
 * Qwen2.5-VL-7B-Instruct's preprocessor_config.json) and refuses a prompt longer than the
 * context with 400, as vLLM's input processor does (vllm/v1/engine/processor.py,
 * `_validate_model_input`): an unresized 4000×3000 photo is ~15k image tokens, so without the
 * budget the item fails, and the checkpoint would be judged on other pixels than serving's.
 */

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

t.test(
  "a benchmark item's 12 MP photo is judged within the budget; an absurd one skipped",
  async (t) => {
    const dir = tempDir("eval-image-budget");
    mkdirSync(join(dir, "images"));
    const photo = await sharp({
      create: { width: 4000, height: 3000, channels: 3, background: { r: 90, g: 120, b: 60 } },
    })
      .jpeg()
      .toBuffer();
    writeFileSync(join(dir, "images", "photo.jpg"), photo);
    writeFileSync(join(dir, "images", "absurd.png"), absurdPng(100_000, 100_000));
    const row = (id: string, image: string) =>
      JSON.stringify({
        id,
        question: "Describe what is happening in this photo.",
        images: [`images/${image}`],
        chosen: "A green field under an even light.",
        rejected: "A red car parked on a busy street.",
        category: "general",
      });
    const file = join(dir, "bench.jsonl");
    writeFileSync(file, `${row("photo", "photo.jpg")}\n${row("absurd", "absurd.png")}\n`);
    const loaded = await loadBenchmark(file, "jurist");
    t.same(
      loaded.items.find((item) => item.id === "photo")?.imageSha256s,
      [sha256(photo)],
      "the item's image hash is the file's own (the contamination guard's key)",
    );

    const { fleet, checkpoint, settings, imageBudget } = await openSimFleet(
      t,
      { vllmVersion: "0.12.0", maxModelLen: 8192 },
      1,
    );
    const run = await evaluateCheckpoint({
      engine: fleet,
      checkpoint,
      items: loaded.items,
      concurrency: 2,
      settings,
      imageBudget,
      unparseable: "wrong",
      seed: 3,
    });
    const byId = new Map(run.items.map((item) => [item.id, item]));
    const judged = byId.get("photo");
    t.equal(judged?.status, "judged", "the photo's item is judged", { judged });
    t.ok(judged?.orders?.AB.verdict && judged.orders.BA.verdict, "in both orders");
    const skipped = byId.get("absurd");
    t.equal(skipped?.status, "skipped", "the absurd image's item is skipped, not failed");
    t.match(
      skipped?.skipped,
      new RegExp(`^${IMAGE_REFUSED} \\(edge_too_long\\): .*absurd\\.png declares 100000×100000`),
    );
    t.equal(run.scores.length, 1, "only the judged item is scored");
  },
);
