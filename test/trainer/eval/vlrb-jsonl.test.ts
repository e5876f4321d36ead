import t from "tap";
import { loadVlrbJsonl } from "../../../trainer/eval/vlrb-jsonl.ts";
import { vlrbCategory } from "../../../trainer/eval/vlrb-row.ts";
import { fixture, fixtureSha256 } from "./fixture-files.ts";

t.test("the official category rule, by id prefix in any case", async (t) => {
  for (const id of ["hallucination_pair-7", "RLAIF-V-14", "rlaif-v-2", "RLHF-V-3"]) {
    t.equal(vlrbCategory(id), "hallucination", id);
  }
  for (const id of ["mathverse_12", "MathVerse-1", "mmmu-pro_5", "MMMU_3"]) {
    t.equal(vlrbCategory(id), "reasoning", id);
  }
  for (const id of ["wildvision-battle-1", "LRVInstruction-7746", "vlfeedback_3", "x-RLAIF"]) {
    t.equal(vlrbCategory(id), "general", id);
  }
});

t.test("the JSONL fixture: items, malformed rows with line numbers, nothing lost", async (t) => {
  const result = await loadVlrbJsonl(fixture("vlrb.jsonl"));
  // 15 lines, one blank: 14 rows, of which 5 are malformed.
  t.equal(result.rowsRead, 14);
  t.equal(result.items.length + result.malformed.length, result.rowsRead);
  t.same(
    result.malformed.map((m) => "line" in m && m.line),
    [10, 11, 12, 13, 14],
  );
  const [badJson, noQuery, badRanking, missingImage, notImage] = result.malformed.map(
    (m) => m.reason,
  );
  t.match(badJson, /^not valid JSON/);
  t.match(noQuery, /^query: /);
  t.match(badRanking, /^human_ranking: must be \[0,1\] or \[1,0\]/);
  t.match(missingImage, /^image file not found: .*images\/missing\.png$/);
  t.match(notImage, /not-an-image\.png is not a PNG, JPEG, GIF or WebP image/);
  t.same(
    result.items.map((item) => [item.id, item.category]),
    [
      ["RLAIF-V-14", "hallucination"],
      ["RLAIF-V-14", "hallucination"],
      ["RLHF-V-3", "hallucination"],
      ["hallucination_pair-7", "hallucination"],
      ["mathverse_12", "reasoning"],
      ["mmmu-pro_5", "reasoning"],
      ["wildvision-battle-1", "general"],
      ["LRVInstruction-000000007746", "general"],
      ["RLAIF-V-14", "hallucination"],
    ],
  );
});

t.test("repeated ids are all kept under distinct keys", async (t) => {
  const { items } = await loadVlrbJsonl(fixture("vlrb.jsonl"));
  const repeated = items.filter((item) => item.id === "RLAIF-V-14");
  t.equal(repeated.length, 3);
  t.equal(new Set(items.map((item) => item.key)).size, items.length);
  // Rows 0 and 13 are identical: same content hash, told apart by the row index.
  t.match(repeated[0]!.key, /^0:[0-9a-f]{16}$/);
  t.match(repeated[2]!.key, /^13:[0-9a-f]{16}$/);
  t.equal(repeated[0]!.key.split(":")[1], repeated[2]!.key.split(":")[1]);
  t.not(repeated[0]!.key.split(":")[1], repeated[1]!.key.split(":")[1]);
});

t.test("human_ranking decides chosen, and firstIsChosen keeps the stored order", async (t) => {
  const { items } = await loadVlrbJsonl(fixture("vlrb.jsonl"));
  const [first, second] = items;
  t.same(
    [first!.chosen, first!.rejected, first!.firstIsChosen],
    ["It is red.", "It is blue.", true],
  );
  t.same(
    [second!.chosen, second!.rejected, second!.firstIsChosen],
    ["A green square.", "A blue circle.", false],
  );
  t.equal(items.filter((item) => item.firstIsChosen).length, 7, "the fixture's skew: 7 of 9");
});

t.test("images resolve relative to the file and are hashed", async (t) => {
  const { items } = await loadVlrbJsonl(fixture("vlrb.jsonl"));
  const first = items[0]!;
  t.same(first.images, [{ path: fixture("images/red.png") }]);
  t.same(first.imageSha256s, [fixtureSha256("images/red.png")]);
  t.equal(first.benchmark, "vlrb");
  t.equal(first.question, "What colour is the square?");
});
