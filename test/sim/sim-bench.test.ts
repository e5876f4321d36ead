import { readFile } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import { makeSeedPrompts } from "../../sim/seed-prompts.ts";
import { writeSimBench } from "../../sim/sim-bench.ts";
import { simBenchCategory } from "../../sim/sim-bench-category.ts";
import { SIM_BENCH_CATEGORIES, SIM_BENCH_TEMPLATES } from "../../sim/sim-bench-questions.ts";
import { hiddenAnswer } from "../../sim/sim-generator.ts";
import { compareQuality } from "../../sim/text-quality.ts";
import { simBenchItems } from "./bench-judging.ts";

t.test("every item's label agrees with the sim's hidden truth", async (t) => {
  const items = await simBenchItems(t.testdir(), 60);
  t.equal(items.length, 180);
  const wrong = items.filter((item) => compareQuality(item.chosen, item.rejected) !== 1);
  t.same(
    wrong.map((item) => item.id),
    [],
    "chosen is truly better",
  );
  const closed = items.filter((item) => hiddenAnswer(item.question) !== null);
  t.ok(closed.length > 30, "closed questions are among them");
  for (const item of closed) {
    if (!item.chosen.endsWith(`The answer is ${hiddenAnswer(item.question)}.`)) {
      t.fail(`${item.id}: chosen does not give the hidden answer`);
    }
  }
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
