import t from "tap";
import type { SimOptions } from "../../../sim/sim-options.ts";
import { evaluateCheckpoint } from "../../../trainer/eval/evaluate.ts";
import { URL_NOT_FETCHED } from "../../../trainer/eval/item-resolution.ts";
import type { UnparseablePolicy } from "../../../trainer/eval/item-score.ts";
import { loadBenchmark } from "../../../trainer/eval/load-benchmark.ts";
import type { Teardown } from "../../helpers/gateway.ts";
import {
  alternateStoredOrder,
  openSimFleet,
  tempDir,
  writeJuristBench,
} from "./evaluate-fixtures.ts";

/**
 * evaluateCheckpoint against real simulated replica servers, on Jurist-JSONL pairs whose
 * truth the sim knows. Half the items are stored rejected-first, so a verdict mapped through
 * the wrong frame shows up as a wrong score, not as a coincidence of the fixture.
 */

async function evaluate(
  t: Teardown,
  sim: Partial<SimOptions>,
  options: { unparseable?: UnparseablePolicy; urlItem?: boolean; n?: number } = {},
) {
  const file = writeJuristBench(tempDir("eval-bench"), {
    n: options.n ?? 12,
    urlItem: options.urlItem ?? false,
  });
  const loaded = await loadBenchmark(file, "jurist");
  const { fleet, checkpoint, settings, imageBudget } = await openSimFleet(t, sim);
  return evaluateCheckpoint({
    engine: fleet,
    checkpoint,
    items: alternateStoredOrder(loaded.items),
    concurrency: 4,
    settings,
    imageBudget,
    unparseable: options.unparseable ?? "wrong",
    seed: 3,
  });
}

t.test("a judge that always names slot A scores exactly 0.5 and is never consistent", async (t) => {
  const run = await evaluate(t, { positionBias: 1, accuracy: 1 });
  t.equal(run.report.overall.accuracy, 0.5);
  t.equal(run.report.consistency, 0);
  t.equal(run.report.invalid_rate, 0);
  t.ok(
    run.items.every((item) => item.orders?.AB.verdict === "A" && item.orders.BA.verdict === "A"),
    "both orders are recorded as the slot the judge named, A — not mapped back to the caller",
  );
  t.ok(
    run.scores.every((score) => score.orders.AB === 1 && score.orders.BA === 0),
    "A is right when the chosen response sits in slot A, wrong when it sits in B",
  );
});

t.test("a perfect, unbiased judge scores 1 in every category, both stored orders", async (t) => {
  const run = await evaluate(t, { positionBias: 0, accuracy: 1 });
  t.equal(run.report.overall.accuracy, 1);
  t.equal(run.report.macro.accuracy, 1);
  t.equal(run.report.consistency, 1);
  t.same(Object.keys(run.report.categories), ["general", "hallucination", "reasoning"]);
  t.ok(
    run.items.some((item) => !item.firstIsChosen),
    "some items are stored rejected-first",
  );
  t.ok(
    run.items.every((item) => item.orders?.AB.verdict === "A" && item.orders.BA.verdict === "B"),
    "the chosen response's slot in each order",
  );
  t.ok(
    run.items.every((item) => item.status === "judged" && item.replica),
    "judged, replica named",
  );
  t.match(run.items[0]?.orders?.AB.reasoning, /simulated judge/i, "the raw reasoning is kept");
});

t.test("a rerun gives the same verdicts", async (t) => {
  const sim = { positionBias: 0.3, accuracy: 0.7 };
  const first = await evaluate(t, sim);
  const second = await evaluate(t, sim);
  t.same(
    second.items.map((item) => item.orders),
    first.items.map((item) => item.orders),
  );
});

t.test("unparseable verdicts: counted in the invalid rate under every policy", async (t) => {
  const sim = { positionBias: 0, accuracy: 1, invalidRate: 0.5 };
  const wrong = await evaluate(t, sim, { unparseable: "wrong", n: 30 });
  const exclude = await evaluate(t, sim, { unparseable: "exclude", n: 30 });
  const rate = wrong.report.invalid_rate ?? 0;
  t.ok(rate > 0 && rate < 1, `some orders stay unparseable after the retry (${rate})`);
  t.equal(exclude.report.invalid_rate, rate, "the same orders fail whatever the policy");
  t.ok(
    Math.abs((wrong.report.overall.accuracy ?? 0) - (1 - rate)) < 1e-12,
    "wrong: an unparseable order scores 0, so a perfect judge scores 1 − invalid rate",
  );
  t.equal(exclude.report.overall.accuracy, 1, "exclude: only parsed orders count");
  const unreadable = wrong.items.flatMap((item) =>
    item.orders ? [item.orders.AB, item.orders.BA].filter((o) => o.verdict === null) : [],
  );
  t.ok(unreadable.length > 0 && unreadable.every((o) => o.reason), "each says why");
});

t.test("every order unparseable: wrong scores 0, exclude drops every item", async (t) => {
  const sim = { invalidRate: 1 };
  const wrong = await evaluate(t, sim, { unparseable: "wrong", n: 6 });
  const exclude = await evaluate(t, sim, { unparseable: "exclude", n: 6 });
  t.equal(wrong.report.invalid_rate, 1);
  t.equal(wrong.report.overall.accuracy, 0);
  t.equal(exclude.report.invalid_rate, 1);
  t.equal(exclude.report.overall.accuracy, null);
  t.equal(exclude.report.items, 6, "judged, though none counted");
});

t.test("an item with an image URL is skipped and recorded, the rest judged", async (t) => {
  const run = await evaluate(t, { positionBias: 0, accuracy: 1 }, { urlItem: true, n: 4 });
  t.equal(run.items.length, 5);
  const skipped = run.items.filter((item) => item.status === "skipped");
  t.same(
    skipped.map((item) => [item.id, item.skipped, item.score]),
    [["remote", URL_NOT_FETCHED, null]],
  );
  t.equal(run.scores.length, 4);
  t.equal(run.report.items, 4);
});
