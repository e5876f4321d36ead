import t from "tap";
import { wilsonInterval } from "../../../trainer/eval/confidence-intervals.ts";
import { buildEvalReport } from "../../../trainer/eval/eval-report.ts";
import { type ItemScore, type OrderVerdict, scoreItem } from "../../../trainer/eval/item-score.ts";

const item = (key: string, category: string, accuracy: number | null): ItemScore => ({
  key,
  category,
  orders: { AB: accuracy, BA: accuracy },
  accuracy,
  invalidOrders: 0,
  consistent: true,
});

t.test("the JSON shape, micro and macro accuracy, lower-case category names", async (t) => {
  const scores = [
    item("0", "hallucination", 1),
    item("1", "hallucination", 1),
    item("2", "hallucination", 0),
    item("3", "hallucination", 0.5),
    item("4", "Reasoning", 1),
    item("5", "reasoning", 0),
  ];
  const report = buildEvalReport(scores, { seed: 1 });
  t.same(Object.keys(report), [
    "items",
    "overall",
    "macro",
    "consistency",
    "invalid_rate",
    "categories",
  ]);
  t.equal(report.items, 6);
  t.equal(report.overall.accuracy, 3.5 / 6);
  t.same(report.overall.ci, wilsonInterval(3.5, 6));
  t.same(Object.keys(report.categories), ["hallucination", "reasoning"]);
  t.same(report.categories.hallucination, { n: 4, accuracy: 0.625, ci: wilsonInterval(2.5, 4) });
  t.same(report.categories.reasoning, { n: 2, accuracy: 0.5, ci: wilsonInterval(1, 2) });
  t.equal(report.macro.accuracy, (0.625 + 0.5) / 2);
  const { low, high } = report.macro.ci!;
  t.ok(low <= report.macro.accuracy! && report.macro.accuracy! <= high, `${low} ${high}`);
  t.same(buildEvalReport(scores, { seed: 1 }), report, "the same seed gives the same report");
  t.same(JSON.parse(JSON.stringify(report)), report, "plain JSON");
});

t.test("consistency and invalid rate from judged orders", async (t) => {
  const verdicts: [OrderVerdict, OrderVerdict][] = [
    ["A", "B"], // consistent, right
    ["A", "A"], // inconsistent
    ["B", "A"], // consistent, wrong
    [null, "B"], // one order invalid: no consistency verdict
  ];
  const scores = verdicts.map(([AB, BA], i) =>
    scoreItem({ key: `${i}`, category: "general", verdicts: { AB, BA } }),
  );
  const report = buildEvalReport(scores);
  t.equal(report.consistency, 2 / 3);
  t.equal(report.invalid_rate, 1 / 8, "one of eight orders");
  t.equal(report.overall.accuracy, (1 + 0.5 + 0 + 0.5) / 4);
});

t.test("exclude: an all-excluded category stays visible and leaves the macro", async (t) => {
  const report = buildEvalReport([
    item("0", "vqa", 1),
    item("1", "vqa", 0),
    item("2", "safety/bias", null),
  ]);
  t.same(report.categories["safety/bias"], { n: 0, accuracy: null, ci: null });
  t.equal(report.items, 3);
  t.equal(report.overall.accuracy, 0.5);
  t.equal(report.macro.accuracy, 0.5);
});

t.test("no items: nulls, not NaN", async (t) => {
  t.same(buildEvalReport([]), {
    items: 0,
    overall: { accuracy: null, ci: null },
    macro: { accuracy: null, ci: null },
    consistency: null,
    invalid_rate: null,
    categories: {},
  });
});

t.test("the macro interval is wider when a category is small", async (t) => {
  const many = (category: string, n: number, start: number) =>
    Array.from({ length: n }, (_, i) => item(`${category}${i}`, category, (start + i) % 2));
  const balanced = buildEvalReport([...many("a", 200, 0), ...many("b", 200, 0)]).macro.ci!;
  const lopsided = buildEvalReport([...many("a", 380, 0), ...many("b", 20, 0)]).macro.ci!;
  t.ok(lopsided.high - lopsided.low > balanced.high - balanced.low, "a small stratum weighs half");
});
