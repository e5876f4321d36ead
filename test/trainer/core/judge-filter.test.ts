import fc from "fast-check";
import t from "tap";
import type { Order } from "../../../src/core/types.ts";
import {
  balanceSlots,
  filterJudgedPair,
  filterJudgedPairFor,
  type JudgeFilterInput,
} from "../../../trainer/core/judge-filter.ts";
import { hashHex } from "../../../trainer/core/seeded-hash.ts";
import type { TrainingExample } from "../../../trainer/core/training-example.ts";
import { rightInBoth, samplePair, says } from "../fixtures.ts";

const input = (
  judgements: JudgeFilterInput["judgements"],
  promptId = "col_1",
): JudgeFilterInput => ({
  pair: samplePair(promptId),
  judgements,
  imagePaths: ["img.png"],
  judgeCheckpoint: "judge-it1",
  iteration: 2,
});

t.test("kept only when both orders prefer the chosen response", async (t) => {
  const result = filterJudgedPair(input(rightInBoth()));
  t.equal(result.kept, true);
  if (!result.kept) return;
  t.same(
    result.examples.map((e) => e.lineage.order),
    ["AB", "BA"],
  );
  t.same(
    result.examples.map((e) => e.messages.at(-1)?.content),
    [[{ type: "text", text: says("A") }], [{ type: "text", text: says("B") }]],
    "each example's target is the judge's own reasoning for that order",
  );
});

t.test("position bias: right in one order only is dropped", async (t) => {
  const alwaysA = [
    { order: "AB" as const, completions: [says("A")] },
    { order: "BA" as const, completions: [says("A")] },
  ];
  t.same(filterJudgedPair(input(alwaysA)), {
    kept: false,
    reason: "wrong_verdict",
    order: "BA",
    detail: "0 right, 1 wrong, 0 unreadable",
  });
  const wrongFirst = [{ order: "AB" as const, completions: [says("B")] }, rightInBoth()[1]!];
  t.match(filterJudgedPair(input(wrongFirst)), {
    kept: false,
    reason: "wrong_verdict",
    order: "AB",
  });
});

t.test("unreadable and missing orders are dropped with their reason", async (t) => {
  const unreadable = [
    { order: "AB" as const, completions: ["I cannot decide."] },
    rightInBoth()[1]!,
  ];
  t.match(filterJudgedPair(input(unreadable)), {
    kept: false,
    reason: "invalid_verdict",
    order: "AB",
  });
  t.match(filterJudgedPair(input([rightInBoth()[0]!])), {
    kept: false,
    reason: "missing_order",
    order: "BA",
  });
  const empty = [{ order: "AB" as const, completions: [] }, rightInBoth()[1]!];
  t.same(filterJudgedPair(input(empty)), {
    kept: false,
    reason: "missing_order",
    order: "AB",
    detail: "no completions",
  });
});

t.test("several samples per order: all (default) or a strict majority", async (t) => {
  const mixed = [
    { order: "AB" as const, completions: [says("A"), says("A"), says("B")] },
    { order: "BA" as const, completions: [says("B"), "no verdict", says("B")] },
  ];
  t.match(filterJudgedPair(input(mixed)), { kept: false, reason: "wrong_verdict", order: "AB" });
  const majority = filterJudgedPair(input(mixed), { policy: "majority" });
  t.equal(majority.kept, true);
  const half = [
    { order: "AB" as const, completions: [says("A"), says("B")] },
    { order: "BA" as const, completions: [says("B")] },
  ];
  t.match(filterJudgedPair(input(half), { policy: "majority" }), { kept: false, order: "AB" });
  t.equal(filterJudgedPair(input(rightInBoth(4))).kept, true);
  const split = [
    { order: "AB" as const, completions: [says("A", "first")] },
    { order: "AB" as const, completions: [says("A", "second")] },
    rightInBoth()[1]!,
  ];
  const merged = filterJudgedPair(input(split));
  t.equal(merged.kept && merged.examples.length, 2, "entries of one order are merged");
  t.match(merged.kept && merged.examples[0]!.messages.at(-1)!.content[0], { text: /first/ });
});

t.test("required orders are configurable", async (t) => {
  const one = filterJudgedPair(input([rightInBoth()[0]!]), { orders: ["AB"] });
  t.equal(one.kept && one.examples.length, 1);
});

t.test("lineage is present on every example", async (t) => {
  for (let i = 0; i < 5; i++) {
    const result = filterJudgedPair(input(rightInBoth(), `col_${i}`));
    if (!result.kept) throw new Error("expected kept");
    for (const example of result.examples) {
      t.match(example.lineage, {
        promptId: `col_${i}`,
        pairId: /^pair_[0-9a-f]{24}$/,
        generator: "base-model",
        judgeCheckpoint: "judge-it1",
        iteration: 2,
        templateVersion: "pairwise-v1",
        order: /^(AB|BA)$/,
        questionKind: "open",
      });
    }
  }
});

function examplesOf(orders: Order[][]): TrainingExample[] {
  return orders.flatMap((kept, i) => {
    const judgements = rightInBoth().filter((j) => kept.includes(j.order));
    const result = filterJudgedPair(input(judgements, `col_${i}`), { orders: kept });
    return result.kept ? result.examples : [];
  });
}

const slotCounts = (examples: TrainingExample[]) => ({
  A: examples.filter((e) => e.lineage.order === "AB").length,
  B: examples.filter((e) => e.lineage.order === "BA").length,
});

t.test("both orders kept: naturally balanced, nothing dropped", async (t) => {
  const examples = examplesOf([
    ["AB", "BA"],
    ["AB", "BA"],
    ["AB", "BA"],
  ]);
  const { kept, dropped } = balanceSlots(examples, 1);
  t.equal(kept.length, 6);
  t.same(dropped, []);
});

t.test(
  "the surplus side drops unpaired examples, by seed, never a pair's two orders",
  async (t) => {
    const examples = examplesOf([["AB", "BA"], ["AB"], ["AB"], ["AB"], ["BA"]]);
    const { kept, dropped } = balanceSlots(examples, "seed-1");
    t.same(slotCounts(kept), { A: 2, B: 2 });
    t.equal(dropped.length, 2);
    t.ok(
      dropped.every((e) => e.lineage.promptId !== "col_0"),
      "the paired prompt keeps both orders",
    );
    t.same(balanceSlots(examples, "seed-1"), { kept, dropped }, "deterministic");
    t.same(
      balanceSlots([...examples].reverse(), "seed-1")
        .dropped.map((e) => e.lineage.pairId)
        .sort(),
      dropped.map((e) => e.lineage.pairId).sort(),
      "independent of input order",
    );
    const choices = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      choices.add(
        balanceSlots(examples, seed)
          .dropped.map((e) => e.lineage.promptId)
          .sort()
          .join(),
      );
    }
    t.ok(choices.size > 1, "other seeds drop other examples");
  },
);

t.test("property: balanced output, minimal drops, pairs intact", async (t) => {
  const orders = fc.constantFrom<Order[]>(["AB", "BA"], ["AB"], ["BA"]);
  fc.assert(
    fc.property(fc.array(orders, { maxLength: 12 }), fc.string(), (kept, seed) => {
      const examples = examplesOf(kept);
      const result = balanceSlots(examples, seed);
      const before = slotCounts(examples);
      const after = slotCounts(result.kept);
      const droppedPaired = result.dropped.some(
        (e) => kept[Number(e.lineage.promptId.slice(4))]!.length === 2,
      );
      return (
        after.A === after.B &&
        result.dropped.length === Math.abs(before.A - before.B) &&
        !droppedPaired
      );
    }),
    { numRuns: 60 },
  );
  t.pass("property held");
});

t.test("the first failing order names the reason; wrong outranks unreadable", async (t) => {
  const bothFail = [
    { order: "AB" as const, completions: ["no verdict here"] },
    { order: "BA" as const, completions: [says("A")] },
  ];
  t.same(filterJudgedPair(input(bothFail)), {
    kept: false,
    reason: "invalid_verdict",
    order: "AB",
    detail: "0 right, 0 wrong, 1 unreadable",
  });
  const mixed = [
    { order: "AB" as const, completions: [says("A"), "no verdict", says("B")] },
    rightInBoth()[1]!,
  ];
  t.same(filterJudgedPair(input(mixed)), {
    kept: false,
    reason: "wrong_verdict",
    order: "AB",
    detail: "1 right, 1 wrong, 1 unreadable",
  });
  const onlyBA = filterJudgedPair(input(bothFail), { orders: ["BA"] });
  t.match(onlyBA, { kept: false, reason: "wrong_verdict", order: "BA" }, "BA wants slot B");
});

t.test(
  "majority: unreadable samples count against; the first right sample is the target",
  async (t) => {
    const halfUnreadable = [
      { order: "AB" as const, completions: [says("A"), "?", says("A"), "?"] },
      rightInBoth()[1]!,
    ];
    t.same(filterJudgedPair(input(halfUnreadable), { policy: "majority" }), {
      kept: false,
      reason: "invalid_verdict",
      order: "AB",
      detail: "2 right, 0 wrong, 2 unreadable",
    });
    const rightAfterOthers = [
      {
        order: "AB" as const,
        completions: [says("B", "zeroth"), says("A", "first"), says("A", "second")],
      },
      { order: "BA" as const, completions: ["?", says("B", "third"), says("B", "fourth")] },
    ];
    const kept = filterJudgedPair(input(rightAfterOthers), { policy: "majority" });
    if (!kept.kept) throw new Error("expected kept");
    t.same(
      kept.examples.map((e) => e.messages.at(-1)!.content),
      [[{ type: "text", text: says("A", "first") }], [{ type: "text", text: says("B", "third") }]],
    );
  },
);

/** An example equal to `example` in pair and order (so in seeded rank) but a distinct object. */
const duplicate = (example: TrainingExample): TrainingExample => ({
  ...example,
  lineage: { ...example.lineage },
});

t.test("balance: within a group the lowest seeded hash is dropped first", async (t) => {
  // The documented rank is SHA-256 of (seed, pair id, order), domain-separated as "balance".
  const rank = (e: TrainingExample, seed: number | string) =>
    hashHex("balance", seed, e.lineage.pairId, e.lineage.order);
  const lowestFirst = (examples: TrainingExample[], seed: number | string) =>
    [...examples].sort((x, y) => (rank(x, seed) < rank(y, seed) ? -1 : 1));
  const surplusA = examplesOf([["AB"], ["AB"], ["AB"], ["AB"], ["AB"], ["BA"]]); // drop 4 of 5
  const surplusB = examplesOf([["BA"], ["AB"], ["BA"], ["BA"], ["BA"]]); // drop 3 of 4 BA
  for (const seed of [0, 1, 2, 3, "seed-1", "seed-2"]) {
    const dropA = balanceSlots(surplusA, seed).dropped;
    const ab = surplusA.filter((e) => e.lineage.order === "AB");
    t.same(new Set(dropA), new Set(lowestFirst(ab, seed).slice(0, 4)), `A side, seed ${seed}`);
    const dropB = balanceSlots(surplusB, seed).dropped;
    const ba = surplusB.filter((e) => e.lineage.order === "BA");
    t.same(new Set(dropB), new Set(lowestFirst(ba, seed).slice(0, 3)), `B side, seed ${seed}`);
  }
});

t.test("balance: duplicates of one rank are dropped by position, earliest first", async (t) => {
  const [first] = examplesOf([["AB"]]);
  const second = duplicate(first!);
  const [other] = examplesOf([[], ["BA"]]); // another pair's BA: A is larger by one
  for (const examples of [
    [first!, second, other!],
    [second, first!, other!],
  ]) {
    const { kept, dropped } = balanceSlots(examples, 7);
    t.equal(dropped.length, 1);
    t.equal(dropped[0], examples[0], "the earlier duplicate goes");
    t.equal(kept[0], examples[1], "the later one stays");
    t.equal(kept[1], examples[2]);
  }
});

/** The target text of each example, with whether its label was flipped. */
const targets = (examples: TrainingExample[]) =>
  examples.map((e) => {
    const part = e.messages.at(-1)!.content[0]!;
    return {
      order: e.lineage.order,
      text: part.type === "text" ? part.text : "",
      flipped: e.lineage.flipped ?? false,
    };
  });

t.test("arm both-orders is the filter itself", async (t) => {
  const kept = input(rightInBoth());
  t.same(filterJudgedPairFor(kept, "both-orders"), filterJudgedPair(kept));
  const alwaysA = input([
    { order: "AB", completions: [says("A")] },
    { order: "BA", completions: [says("A")] },
  ]);
  t.same(filterJudgedPairFor(alwaysA, "both-orders"), filterJudgedPair(alwaysA));
  t.equal(filterJudgedPairFor(alwaysA, "both-orders").kept, false);
});

t.test("arm ab-only: kept on the AB verdict, trained on what the judge said in BA", async (t) => {
  const wrongAB = input([
    { order: "AB", completions: [says("B")] },
    { order: "BA", completions: [says("B")] },
  ]);
  t.same(filterJudgedPairFor(wrongAB, "ab-only"), {
    kept: false,
    reason: "wrong_verdict",
    order: "AB",
    detail: "0 right, 1 wrong, 0 unreadable",
  });

  const ab = { order: "AB" as const, completions: [says("A", "AB reasons.")] };
  const abTarget = { order: "AB", text: says("A", "AB reasons."), flipped: false };
  const arm = (ba: string[] | null) => {
    const result = filterJudgedPairFor(
      input(ba === null ? [ab] : [ab, { order: "BA", completions: ba }]),
      "ab-only",
    );
    if (!result.kept) throw new Error("expected kept");
    t.equal(result.bareTraces, undefined);
    return targets(result.examples);
  };
  t.same(arm(null), [abTarget], "no BA judgement: the AB example alone");
  t.same(arm(["?", "no verdict"]), [abTarget], "no readable BA verdict: the AB example alone");
  t.same(
    arm(["?", says("B", "First read."), says("A", "Second read.")]),
    [abTarget, { order: "BA", text: says("B", "First read."), flipped: false }],
    "a right BA verdict: the first readable one is the target",
  );
  t.same(
    arm(["?", says("A", "Slot [[1]] looks best."), says("B", "Later.")]),
    [abTarget, { order: "BA", text: says("A", "Slot [[1]] looks best."), flipped: true }],
    "a wrong BA verdict: the judge's own words and verdict, the example flipped",
  );
});

t.test("arm none: every pair kept, a bare marker where the judge was not right", async (t) => {
  const all = filterJudgedPairFor(input(rightInBoth()), "none");
  t.same(all.bareTraces, []);
  t.same(targets(all.kept ? all.examples : []), [
    { order: "AB", text: says("A"), flipped: false },
    { order: "BA", text: says("B"), flipped: false },
  ]);

  // Two of three right in AB passes a majority but not "all"; BA was not judged at all.
  const mixed = input([{ order: "AB", completions: [says("A"), says("A"), says("B")] }]);
  const none = filterJudgedPairFor(mixed, "none");
  t.equal(none.kept, true);
  t.same(none.bareTraces, ["AB", "BA"]);
  t.same(targets(none.kept ? none.examples : []), [
    { order: "AB", text: "[[A]]", flipped: false },
    { order: "BA", text: "[[B]]", flipped: false },
  ]);

  const baOnly = filterJudgedPairFor(input([rightInBoth()[1]!]), "none");
  t.same(baOnly.bareTraces, ["AB"]);
  t.same(
    targets(baOnly.kept ? baOnly.examples : []).map((e) => e.text),
    ["[[A]]", says("B")],
  );
});
