import { readFile } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import { makeSeedPrompts } from "../../sim/seed-prompts.ts";
import { writeSimBench } from "../../sim/sim-bench.ts";
import { simBenchCategory } from "../../sim/sim-bench-category.ts";
import { SIM_BENCH_CATEGORIES, SIM_BENCH_TEMPLATES } from "../../sim/sim-bench-questions.ts";
import { claimHolds, claimsOf } from "../../sim/world/claims.ts";
import { goldAnswer, questionSkill } from "../../sim/world/questions.ts";
import type { EvalItem } from "../../trainer/eval/eval-item.ts";
import { pairTruth, sceneFor } from "../helpers/sim-world.ts";
import { simBenchItems } from "./bench-judging.ts";

/** The scene of an item's image file, as the simulated judge reads it. */
async function sceneOfItem(item: EvalItem) {
  const image = item.images[0];
  if (!image || !("path" in image)) throw new Error(`${item.id}: simulated items have image files`);
  return sceneFor([await readFile(image.path)], item.question);
}

t.test("every item's label agrees with the world's truth about its image", async (t) => {
  const items = await simBenchItems(t.testdir(), 60);
  t.equal(items.length, 180);
  const wrong: string[] = [];
  const closed: EvalItem[] = [];
  let safety = 0;
  for (const item of items) {
    const scene = await sceneOfItem(item);
    if (pairTruth(item.question, scene, item.chosen, item.rejected) !== 1) wrong.push(item.id);
    const skill = questionSkill(item.question);
    if (skill === "safety") safety++;
    const gold = goldAnswer(item.question, scene);
    if (gold === null) continue;
    closed.push(item);
    if (!item.chosen.endsWith(`The answer is ${gold}.`)) {
      t.fail(`${item.id}: chosen does not give the gold answer ${gold}: ${item.chosen}`);
    }
    const [claim] = claimsOf(item.rejected, skill);
    if (!claim || claimHolds(claim, scene, gold)) t.fail(`${item.id}: rejected is right`);
  }
  t.same(wrong, [], "chosen is truly better on every item");
  t.ok(closed.length > 30, `${closed.length} closed questions are among them`);
  t.ok(safety > 5, `${safety} safety items refuse against compliance`);
});

t.test("the labels hold only for the item's own image", async (t) => {
  const items = (await simBenchItems(t.testdir(), 40, 1)).filter((item) => {
    const skill = questionSkill(item.question);
    return skill !== null && skill !== "safety";
  });
  const others = await Promise.all(
    items.map(async (item, i) => {
      const other = await sceneOfItem(items[(i + 1) % items.length]!);
      return pairTruth(item.question, other, item.chosen, item.rejected);
    }),
  );
  t.ok(
    others.some((truth) => truth !== 1),
    `judged against another item's image, some labels are wrong (${others.join(" ")})`,
  );
});

t.test("simBenchCategory reads each item's category back from its question", async (t) => {
  const items = await simBenchItems(t.testdir(), 80, 3);
  const misread = items.filter((item) => simBenchCategory(item.question) !== item.category);
  t.same(
    misread.map((item) => [item.category, item.question]),
    [],
  );
  const templated = new Set(SIM_BENCH_TEMPLATES.map((template) => template.category));
  t.same([...templated].sort(), Object.values(SIM_BENCH_CATEGORIES).flat().sort(), "one set each");
  t.equal(
    simBenchCategory(
      "  Describe this image in detail, mentioning only what is actually\nvisible around the dog. ",
    ),
    "hallucination",
    "whitespace does not matter",
  );
  t.equal(simBenchCategory("Describe the image."), null);
  t.equal(simBenchCategory("How many apples are in the bowl?"), null);
  for (const { prompt } of makeSeedPrompts(20)) {
    t.equal(simBenchCategory(prompt.question), null, `seed prompt: ${prompt.question}`);
  }
});

t.test("writeSimBench: absolute paths, deterministic for a seed, n checked", async (t) => {
  const root = t.testdir();
  const a = await writeSimBench(join(root, "a"), { n: 8, seed: 5 });
  const b = await writeSimBench(join(root, "b"), { n: 8, seed: "5" });
  const c = await writeSimBench(join(root, "c"), { n: 8, seed: 6 });
  t.same(a, {
    vlrb: join(root, "a", "vlrb.jsonl"),
    mmrb: join(root, "a", "mmrb.json"),
    heldout: join(root, "a", "heldout.jsonl"),
  });
  for (const key of ["vlrb", "mmrb", "heldout"] as const) {
    t.equal(await readFile(a[key], "utf8"), await readFile(b[key], "utf8"), `${key}: same seed`);
    t.not(await readFile(a[key], "utf8"), await readFile(c[key], "utf8"), `${key}: other seed`);
  }
  const image = (dir: string) => readFile(join(root, dir, "images", "vlrb-1.png"));
  t.same(await image("a"), await image("b"));
  const again = await writeSimBench(join(root, "a"), { n: 8, seed: 5 });
  t.equal(await readFile(again.vlrb, "utf8"), await readFile(b.vlrb, "utf8"), "rewriting is safe");
  await t.rejects(writeSimBench(join(root, "d"), { n: 7, seed: 0 }), RangeError);
  await t.rejects(writeSimBench(join(root, "d"), { n: 8.5, seed: 0 }), RangeError);
});
