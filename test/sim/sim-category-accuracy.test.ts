import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import { paramsFor } from "../../sim/judge-profile.ts";
import { type SkillTable, uniformSkills } from "../../sim/world/skills.ts";
import type { EvalItem } from "../../trainer/eval/eval-item.ts";
import { namesChosen, rate, rateByCategory, simBenchItems } from "./bench-judging.ts";
import { get, post, startSim } from "./sim-client.ts";

/**
 * Per-category simulated accuracy: a checkpoint weak in one category only, which the gates
 * must be able to catch. Rates are checked with generous bands (≥ 3 standard errors).
 */

const HALLUCINATION_QUESTION =
  "Describe this image in detail, mentioning only what is actually visible around the cat.";
const MATH_QUESTION =
  "If two of the dogs left the picture, how many would remain? Answer with a number.";

t.test("paramsFor: exact category, then its group, then the profile's skills", async (t) => {
  const own: SkillTable = { ...uniformSkills(0.9), counting: 0.4 };
  const params = { skills: own, positionBias: 0.1, lengthBias: 0.5 };
  const profile = {
    params,
    categoryAccuracy: { hallucination: 0.2, reasoning: 0.3, "reasoning/math": 0.6 },
  };
  /** The one accuracy of a uniform table, or the table when it is not uniform. */
  const accuracyFor = (
    p: { params: typeof params; categoryAccuracy?: Record<string, number> },
    question: string,
  ) => {
    const got = paramsFor(p, question);
    t.equal(got.positionBias, 0.1, "biases are the profile's");
    t.equal(got.lengthBias, 0.5);
    const values = new Set(Object.values(got.skills));
    return values.size === 1 ? [...values][0] : got.skills;
  };
  t.equal(accuracyFor(profile, HALLUCINATION_QUESTION), 0.2);
  t.equal(accuracyFor(profile, MATH_QUESTION), 0.6, "the exact name wins");
  const coding =
    "Laid out like a screenshot, are the cups to the left of the dog? Answer with yes or no.";
  t.equal(accuracyFor(profile, coding), 0.3, "the group covers its splits");
  t.same(accuracyFor(profile, "Is there a red cup in the image? Answer yes or no."), own);
  t.same(accuracyFor(profile, "Describe the image."), own, "live traffic has no category");
  t.same(accuracyFor({ params }, HALLUCINATION_QUESTION), own, "no table, own skills");
});

async function adapter(root: string, name: string, config: unknown): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "adapter.json"), JSON.stringify(config));
  return dir;
}

const others = (items: readonly EvalItem[], hits: readonly boolean[], category: string) =>
  rate(hits.filter((_, i) => items[i]!.category !== category));

t.test("an adapter weak on hallucination scores low there and high elsewhere", async (t) => {
  const root = t.testdir();
  const items = await simBenchItems(join(root, "bench"), 200, 2);
  const sim = await startSim(t, { accuracy: 0.6, positionBias: 0 });
  const lora_path = await adapter(root, "weak-halluc", {
    simulated_accuracy: 0.9,
    simulated_category_accuracy: { hallucination: 0.2 },
  });
  const loaded = await post(`${sim.url}/v1/load_lora_adapter`, { lora_name: "weak", lora_path });
  t.equal(loaded.status, 200, loaded.text);
  const hits = await namesChosen(sim, "weak", items);
  const byCategory = rateByCategory(items, hits);
  t.ok(byCategory.hallucination!.n > 100, `${byCategory.hallucination!.n} hallucination items`);
  const low = byCategory.hallucination!.rate;
  t.ok(low > 0.08 && low < 0.32, `hallucination ${low.toFixed(3)} ≈ 0.2`);
  const high = others(items, hits, "hallucination");
  t.ok(high > 0.84 && high < 0.96, `other categories ${high.toFixed(3)} ≈ 0.9`);
  for (const [category, { n, rate: r }] of Object.entries(byCategory)) {
    if (category !== "hallucination") t.ok(r > 0.7, `${category} (${n}): ${r.toFixed(3)}`);
  }
});

t.test(
  "/control sets the base model's table; an adapter with own accuracy ignores it",
  async (t) => {
    const root = t.testdir();
    const items = await simBenchItems(join(root, "bench"), 160, 5);
    const sim = await startSim(t, { control: true, accuracy: 0.9, positionBias: 0 });
    const table = { reasoning: 0.1, "reasoning/math": 0.9 };
    const set = await post(`${sim.url}/control`, { category_accuracy: table });
    t.equal(set.status, 200, set.text);
    t.same(set.json.category_accuracy, table);
    t.same((await get(`${sim.url}/control`)).json.category_accuracy, table);
    const inheriting = await adapter(root, "inherits", { simulated_position_bias: 0 });
    const own = await adapter(root, "own", { simulated_accuracy: 0.9 });
    for (const [lora_name, lora_path] of [
      ["inherits", inheriting],
      ["own", own],
    ]) {
      t.equal(
        (await post(`${sim.url}/v1/load_lora_adapter`, { lora_name, lora_path })).status,
        200,
      );
    }

    const base = rateByCategory(items, await namesChosen(sim, "jurist-sim-judge", items));
    t.ok(base.reasoning!.rate < 0.3, `VLRB reasoning ${base.reasoning!.rate.toFixed(3)} ≈ 0.1`);
    t.ok(base["reasoning/coding"]!.rate < 0.3, "the group covers reasoning/coding");
    t.ok(base["reasoning/math"]!.rate > 0.7, "the exact entry wins for reasoning/math");
    t.ok(base.hallucination!.rate > 0.8, "categories without an entry keep the accuracy");
    const inherited = rateByCategory(items, await namesChosen(sim, "inherits", items));
    t.ok(inherited.reasoning!.rate < 0.3, "an adapter without own accuracy follows the base");
    const separate = rateByCategory(items, await namesChosen(sim, "own", items));
    t.ok(separate.reasoning!.rate > 0.7, "an adapter with own accuracy does not");

    t.equal((await post(`${sim.url}/control`, { category_accuracy: {} })).status, 200);
    const cleared = rateByCategory(items, await namesChosen(sim, "jurist-sim-judge", items));
    t.ok(cleared.reasoning!.rate > 0.7, "{} clears the table");
  },
);

t.test("unknown categories and bad values are refused", async (t) => {
  const root = t.testdir();
  const sim = await startSim(t, { control: true });
  const typo = await post(`${sim.url}/control`, { category_accuracy: { halucination: 0.2 } });
  t.equal(typo.status, 400);
  t.match(typo.json.error.message, /unknown category 'halucination'/);
  t.equal((await post(`${sim.url}/control`, { category_accuracy: { vqa: 2 } })).status, 400);
  t.same((await get(`${sim.url}/control`)).json.category_accuracy, {}, "nothing changed");
  for (const [name, table] of [
    ["typo", { halucination: 0.2 }],
    ["range", { vqa: 1.5 }],
    ["shape", [0.2]],
  ] as const) {
    const lora_path = await adapter(root, name, { simulated_category_accuracy: table });
    const loaded = await post(`${sim.url}/v1/load_lora_adapter`, { lora_name: name, lora_path });
    t.equal(loaded.status, 400, `${name}: ${loaded.text}`);
    t.match(loaded.json.error.message, /simulated_category_accuracy/);
  }
});

t.test("an adapter the simulated fine-tune wrote has its own skills: no base table", async (t) => {
  const root = t.testdir();
  const items = await simBenchItems(join(root, "bench"), 160, 6);
  const sim = await startSim(t, {
    accuracy: 0.9,
    positionBias: 0,
    categoryAccuracy: { hallucination: 0.1 },
  });
  const lora_path = await adapter(root, "learnt", {
    simulated: true,
    simulated_judge: { skills: uniformSkills(0.9), position_bias: 0, length_bias: 0 },
  });
  t.equal(
    (await post(`${sim.url}/v1/load_lora_adapter`, { lora_name: "learnt", lora_path })).status,
    200,
  );
  const base = rateByCategory(items, await namesChosen(sim, "jurist-sim-judge", items));
  const learnt = rateByCategory(items, await namesChosen(sim, "learnt", items));
  t.ok(base.hallucination!.rate < 0.3, `base hallucination ${base.hallucination!.rate.toFixed(3)}`);
  t.ok(
    learnt.hallucination!.rate > 0.7,
    `learnt hallucination ${learnt.hallucination!.rate.toFixed(3)}`,
  );
});
