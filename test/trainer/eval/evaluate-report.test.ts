import { readFileSync } from "node:fs";
import t from "tap";
import type { OrderVerdict as CallerOrderVerdict } from "../../../src/core/types.ts";
import type { MalformedRow } from "../../../trainer/eval/eval-item.ts";
import { buildEvalReport } from "../../../trainer/eval/eval-report.ts";
import type { EvaluationRun, ItemResult } from "../../../trainer/eval/evaluate.ts";
import { type OrderVerdicts, scoreItem } from "../../../trainer/eval/item-score.ts";
import { SIMULATED_WARNING } from "../../../trainer/eval/report-markdown.ts";
import { slotRecords } from "../../../trainer/eval/slot-verdicts.ts";
import { writeEvaluation } from "../../../trainer/eval/write-evaluation.ts";
import { tempDir } from "./evaluate-fixtures.ts";

/** A hand-made run: known verdicts, one skipped and one failed item. */
function handRun(): EvaluationRun {
  const judged: [string, string, OrderVerdicts][] = [
    ["k1", "general", { AB: "A", BA: "B" }],
    ["k2", "general", { AB: "A", BA: "A" }],
    ["k3", "hallucination", { AB: null, BA: "B" }],
    ["k4", "hallucination", { AB: "B", BA: "A" }],
  ];
  const items: ItemResult[] = judged.map(([key, category, verdicts]) => {
    const score = scoreItem({ key, category, verdicts });
    const record = (v: OrderVerdicts["AB"]) => ({ verdict: v, reasoning: `said ${v}` });
    const orders = { AB: record(verdicts.AB), BA: record(verdicts.BA) };
    return { key, id: key, category, firstIsChosen: true, status: "judged", orders, score };
  });
  const base = { category: "general", orders: null, score: null, firstIsChosen: false };
  items.push({
    ...base,
    key: "k5",
    id: "remote",
    status: "skipped",
    skipped: "image URL not fetched",
  });
  items.push({ ...base, key: "k6", id: "broken", status: "failed", error: "NOT_FOUND: gone" });
  const scores = items.flatMap((item) => (item.score ? [item.score] : []));
  return {
    checkpoint: "ckpt-1",
    unparseable: "wrong",
    seed: 0,
    items,
    scores,
    report: buildEvalReport(scores),
  };
}

const malformedRows = (count: number): MalformedRow[] =>
  Array.from({ length: count }, (_, i) => ({ line: 100 + i, reason: `bad | row ${i}` }));

const meta = (simulated: boolean, malformed: MalformedRow[]) => ({
  benchmark: "vlrb",
  file: "/data/vlrb.jsonl",
  format: "vlrb" as const,
  simulated,
  rowsRead: 6 + malformed.length,
  malformed,
  generatedAt: new Date("2025-01-02T03:04:05Z"),
});

t.test("report.json: counts, statistics with intervals, what was left out, meta", async (t) => {
  const dir = tempDir("eval-report");
  const files = await writeEvaluation(dir, handRun(), meta(true, malformedRows(2)));
  const report = JSON.parse(readFileSync(files.reportJsonPath, "utf8"));
  t.match(report, {
    items: 8,
    judged: 4,
    skipped: 1,
    failed: 1,
    malformed: 2,
    chosen_first: 4,
    overall: { accuracy: (1 + 0.5 + 0.5 + 0) / 4 },
    consistency: 2 / 3, // k1 right twice, k4 wrong twice; k2 flips with the slot
    invalid_rate: 1 / 8,
    categories: { general: { n: 2, accuracy: 0.75 }, hallucination: { n: 2, accuracy: 0.25 } },
    malformed_rows: [{ line: 100 }, { line: 101 }],
    skipped_items: [{ key: "k5", id: "remote", reason: "image URL not fetched" }],
    failed_items: [{ key: "k6", id: "broken", error: "NOT_FOUND: gone" }],
    meta: {
      benchmark: "vlrb",
      file: "/data/vlrb.jsonl",
      format: "vlrb",
      checkpoint: "ckpt-1",
      simulated: true,
      unparseable: "wrong",
      seed: 0,
      generatedAt: "2025-01-02T03:04:05.000Z",
    },
  });
  t.ok(report.consistency_ci.low < 2 / 3 && report.consistency_ci.high > 2 / 3);
  t.ok(report.invalid_rate_ci.low < 1 / 8 && report.invalid_rate_ci.high > 1 / 8);
  t.same(files.report, report, "returned as written");
});

t.test("items.jsonl: one line per item, in input order", async (t) => {
  const run = handRun();
  const files = await writeEvaluation(tempDir("eval-report"), run, meta(false, []));
  const lines = readFileSync(files.itemsPath, "utf8").trimEnd().split("\n");
  t.equal(lines.length, run.items.length);
  t.same(
    lines.map((line) => JSON.parse(line).key),
    ["k1", "k2", "k3", "k4", "k5", "k6"],
  );
  t.match(JSON.parse(lines[2]!), { orders: { AB: { verdict: null }, BA: { verdict: "B" } } });
});

t.test("report.md: header, SIMULATED line, tables, lists cut at 20", async (t) => {
  const files = await writeEvaluation(
    tempDir("eval-report"),
    handRun(),
    meta(true, malformedRows(23)),
  );
  const markdown = readFileSync(files.reportMarkdownPath, "utf8");
  t.match(markdown, /^# Evaluation of `ckpt-1` on vlrb\n/);
  t.ok(markdown.includes(SIMULATED_WARNING));
  t.match(markdown, /Date: 2025-01-02T03:04:05\.000Z/);
  t.match(markdown, /\| overall accuracy \(micro\) \| 50\.0% \| \d+\.\d% – \d+\.\d% \|/);
  t.match(markdown, /\| position consistency \| 66\.7% \|/);
  t.match(markdown, /\| invalid rate \(unparseable orders\) \| 12\.5% \|/);
  t.match(markdown, /\| general \| 2 \| 75\.0% \|/);
  t.match(markdown, /\| hallucination \| 2 \| 25\.0% \|/);
  t.match(markdown, /## Skipped items \(1\)\n\n- `remote` \(k5\): image URL not fetched/);
  t.match(markdown, /## Failed items \(1\)\n\n- `broken` \(k6\): NOT_FOUND: gone/);
  t.match(markdown, /## Malformed rows \(23\)/);
  t.match(markdown, /- line 119: bad \\\| row 19\n- … and 3 more/);
  t.notMatch(markdown, /line 120/, "only the first 20 rows are listed");

  const real = await writeEvaluation(tempDir("eval-report"), handRun(), meta(false, []));
  const plain = readFileSync(real.reportMarkdownPath, "utf8");
  t.notMatch(plain, /SIMULATED/, "no warning on a real judge's report");
  t.notMatch(plain, /Malformed rows/, "no empty section");
});

t.test("slot records: the judge's caller-frame winners mapped to prompt slots", async (t) => {
  const order = (o: "AB" | "BA", winner: "A" | "B" | null): CallerOrderVerdict => ({
    order: o,
    outcome: winner ? "ok" : "invalid",
    winner,
    probabilityA: null,
    reasoning: `${o} reasoning`,
    ...(winner ? {} : { reason: "no verdict" }),
  });
  // Always slot A: the judge reports caller A for AB and caller B for BA.
  const alwaysA = [order("AB", "A"), order("BA", "B")];
  t.same(slotRecords(alwaysA, true), {
    AB: { verdict: "A", reasoning: "AB reasoning" },
    BA: { verdict: "A", reasoning: "BA reasoning" },
  });
  t.same(slotRecords(alwaysA, false), {
    AB: { verdict: "A", reasoning: "BA reasoning" },
    BA: { verdict: "A", reasoning: "AB reasoning" },
  });
  // Stored rejected-first, the judge names the chosen response (caller B) both times.
  const rightBoth = slotRecords([order("AB", "B"), order("BA", "B")], false);
  t.same([rightBoth.AB.verdict, rightBoth.BA.verdict], ["A", "B"]);
  const invalid = slotRecords([order("AB", null), order("BA", "A")], true);
  t.same(invalid.AB, { verdict: null, reasoning: "AB reasoning", reason: "no verdict" });
  t.throws(() => slotRecords([order("AB", "A")], true), /both orders/);
});
