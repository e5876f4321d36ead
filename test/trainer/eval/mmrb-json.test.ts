import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import { loadMmrb, mmrbCategory } from "../../../trainer/eval/mmrb-json.ts";
import { fixture, fixtureSha256 } from "./fixture-files.ts";

t.test("the official category split", async (t) => {
  t.equal(mmrbCategory("math_1", "reasoning"), "reasoning/math");
  t.equal(mmrbCategory("MathVista-3", "reasoning"), "reasoning/math", "ids in any case");
  t.equal(mmrbCategory("code_3", "reasoning"), "reasoning/coding");
  t.equal(mmrbCategory("pairs_10", "safety"), "safety/bias");
  t.equal(mmrbCategory("PAIRS-2", "Safety"), "safety/bias");
  t.equal(mmrbCategory("toxic_4", "safety"), "safety/toxicity");
  t.equal(mmrbCategory("math_9", "knowledge"), "knowledge", "only reasoning is split by id");
  t.equal(mmrbCategory("pairs_9", "VQA"), "vqa", "only safety is split by pairs…");
  t.equal(
    mmrbCategory("x", "open_generation/correctness_task"),
    "open_generation/correctness_task",
  );
});

t.test("the JSON fixture: every category, malformed rows by index, nothing lost", async (t) => {
  const result = await loadMmrb(fixture("mmrb.json"));
  t.equal(result.rowsRead, 13);
  t.equal(result.items.length, 9);
  t.same(
    result.malformed.map((m) => ["row" in m && m.row, m.reason.split(":")[0]]),
    [
      [9, "image file not found"],
      [10, "Better"],
      [11, "Output2"],
      [12, "row"],
    ],
  );
  t.match(result.malformed[0]!.reason, /images\/missing\.png$/);
  t.same(
    result.items.map((item) => item.category),
    [
      "reasoning/math",
      "reasoning/coding",
      "safety/bias",
      "safety/toxicity",
      "vqa",
      "knowledge",
      "open_generation/correctness_task",
      "open_generation/preference_task",
      "vqa",
    ],
  );
});

t.test("Better decides chosen; firstIsChosen keeps the stored order; ids repeat", async (t) => {
  const { items } = await loadMmrb(fixture("mmrb.json"));
  const [math, code] = items;
  t.same(
    [math!.chosen, math!.rejected, math!.firstIsChosen],
    ["first answer math_1", "second answer math_1", true],
  );
  t.same(
    [code!.chosen, code!.rejected, code!.firstIsChosen],
    ["second answer code_3", "first answer code_3", false],
  );
  const vqa = items.filter((item) => item.id === "vqa_1");
  t.equal(vqa.length, 2);
  t.not(vqa[0]!.key, vqa[1]!.key);
  t.same(code!.images, [{ path: fixture("images/green.png") }]);
  t.same(code!.imageSha256s, [fixtureSha256("images/green.png")]);
  t.equal(code!.benchmark, "mmrb");
});

t.test("a file that is not a JSON array is a file error, not rows", async (t) => {
  const dir = t.testdir();
  await writeFile(join(dir, "object.json"), '{"ID": "x"}');
  await writeFile(join(dir, "broken.json"), "[{");
  await t.rejects(loadMmrb(join(dir, "object.json")), /not a JSON array/);
  await t.rejects(loadMmrb(join(dir, "broken.json")), /not valid JSON/);
});
