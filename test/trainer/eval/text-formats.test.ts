import t from "tap";
import { loadJuristJsonl } from "../../../trainer/eval/jurist-jsonl.ts";
import { loadRewardBench } from "../../../trainer/eval/rewardbench-jsonl.ts";
import { fixture, fixtureSha256 } from "./fixture-files.ts";

t.test(
  "RewardBench: subset is the category, numeric ids are strings, bad lines reported",
  async (t) => {
    const result = await loadRewardBench(fixture("rewardbench.jsonl"));
    t.equal(result.rowsRead, 5);
    t.same(
      result.items.map((item) => [item.id, item.category, item.firstIsChosen]),
      [
        ["30", "alpacaeval-easy", true],
        ["31", "refusals-dangerous", true],
        ["30", "alpacaeval-easy", true],
      ],
    );
    t.equal(new Set(result.items.map((item) => item.key)).size, 3, "repeated id, distinct keys");
    t.same(result.items[0]!.images, []);
    t.same(
      result.malformed.map((m) => "line" in m && m.line),
      [4, 5],
    );
    t.match(result.malformed[0]!.reason, /^not valid JSON/);
    t.match(result.malformed[1]!.reason, /^rejected: /);
  },
);

t.test("Jurist JSONL: paths and URLs, text-only pairs, a missing image", async (t) => {
  const result = await loadJuristJsonl(fixture("jurist.jsonl"));
  t.equal(result.rowsRead, 5);
  const [colour, multi, text] = result.items;
  t.equal(colour!.category, "colour", "lower case");
  t.same(multi!.images, [
    { path: fixture("images/green.png") },
    { url: "https://example.com/cat.png" },
  ]);
  t.same(multi!.imageSha256s, [fixtureSha256("images/green.png")], "URLs are not fetched");
  t.same([text!.images, text!.imageSha256s], [[], []]);
  t.same(
    result.malformed.map((m) => ["line" in m && m.line, m.reason.replace(/\/.*\//, "…/")]),
    [
      [4, "image file not found: …/gone.png"],
      [5, "category: Invalid input: expected string, received undefined"],
    ],
  );
});
