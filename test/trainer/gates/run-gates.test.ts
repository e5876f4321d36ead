import t from "tap";
import { loadConfig } from "../../../src/config/config.ts";
import { DEFAULT_GATES, type Gate } from "../../../src/config/gate-policy.ts";
import { buildEvalReport } from "../../../trainer/eval/eval-report.ts";
import type { ItemScore } from "../../../trainer/eval/item-score.ts";
import { renderGateReport } from "../../../trainer/gates/gate-report-markdown.ts";
import { type GateEvaluation, runGates } from "../../../trainer/gates/run-gates.ts";

/**
 * Item scores of a judge with per-category accuracy: item i of a category is right in both
 * orders when its (deterministic) point falls below the accuracy, so a more accurate judge is
 * right wherever a less accurate one is — the paired design the gates rely on.
 */
function judge(accuracy: Record<string, number>, perCategory = 300, consistent = 1): ItemScore[] {
  const scores: ItemScore[] = [];
  for (const [category, p] of Object.entries(accuracy)) {
    for (let i = 0; i < perCategory; i++) {
      const point = ((i * 7919) % perCategory) / perCategory;
      const right = point < p ? 1 : 0;
      scores.push({
        key: `${category}-${i}`,
        category,
        orders: { AB: right, BA: right },
        accuracy: right,
        invalidOrders: 0,
        consistent: point < consistent,
      });
    }
  }
  return scores;
}

function evaluations(table: Record<string, Record<string, ItemScore[]>>) {
  return async (checkpoint: string, benchmark: string): Promise<GateEvaluation> => {
    const scores = table[checkpoint]![benchmark]!;
    return { scores, report: buildEvalReport(scores, { resamples: 500 }) };
  };
}

const VLRB = { general: 0.6, hallucination: 0.6, reasoning: 0.6 };
const MMRB = { "reasoning/math": 0.7, "safety/bias": 0.7, vqa: 0.7 };

t.test("a clearly better candidate passes every default gate", async (t) => {
  const report = await runGates({
    candidate: "cand",
    champion: "champ",
    policy: DEFAULT_GATES,
    benchmarks: new Set(["vlrb", "mmrb", "heldout"]),
    evaluate: evaluations({
      cand: {
        vlrb: judge({ general: 0.75, hallucination: 0.75, reasoning: 0.75 }),
        mmrb: judge(MMRB),
        heldout: judge({ synthetic: 0.8 }, 200, 0.9),
      },
      champ: {
        vlrb: judge(VLRB),
        mmrb: judge(MMRB),
        heldout: judge({ synthetic: 0.7 }, 200, 0.85),
      },
    }),
    simulated: true,
    bootstrap: { resamples: 500, seed: 1 },
  });
  t.equal(report.passed, true, report.gates.map((g) => g.reason).join("\n"));
  t.equal(report.gates.length, 3);
  t.ok(report.evaluations.vlrb!.comparison.macro.ci.low > 0);
  const markdown = renderGateReport(report);
  t.match(markdown, /PASSED/);
  t.match(markdown, /SIMULATED/);
  t.match(markdown, /\| vlrb-macro-improves \| vlrb \| improve \| pass \|/);
});

t.test(
  "no improvement shown, one regressed category, dropped consistency: each gate names why",
  async (t) => {
    const report = await runGates({
      candidate: "cand",
      champion: "champ",
      policy: DEFAULT_GATES,
      benchmarks: new Set(["vlrb", "mmrb", "heldout"]),
      evaluate: evaluations({
        cand: {
          vlrb: judge({ general: 0.61, hallucination: 0.6, reasoning: 0.6 }),
          mmrb: judge({ ...MMRB, "safety/bias": 0.6 }),
          heldout: judge({ synthetic: 0.8 }, 200, 0.7),
        },
        champ: {
          vlrb: judge(VLRB),
          mmrb: judge(MMRB),
          heldout: judge({ synthetic: 0.8 }, 200, 0.9),
        },
      }),
      simulated: false,
      bootstrap: { resamples: 500, seed: 1 },
    });
    t.equal(report.passed, false);
    const [vlrb, mmrb, heldout] = report.gates;
    t.match(vlrb, { passed: false, reason: /not shown to improve/ });
    t.match(mmrb, {
      passed: false,
      reason: /category:safety\/bias .*regressed beyond the 2\.0 pts tolerance/,
    });
    t.equal(mmrb!.figures.filter((figure) => figure.passed).length, 2, "the other categories held");
    t.match(heldout, { passed: false, reason: /consistency 90\.0% → 70\.0%/ });
    t.match(renderGateReport(report), /REJECTED/);
  },
);

t.test(
  "a regression inside the tolerance passes; a missing benchmark fails the gate",
  async (t) => {
    const report = await runGates({
      candidate: "cand",
      champion: "champ",
      policy: [
        {
          name: "mmrb",
          benchmark: "mmrb",
          metric: "every_category",
          rule: "no_regression",
          tolerance: 0.02,
        },
        { name: "vlrb", benchmark: "vlrb", metric: "macro", rule: "improve", margin: 0 },
      ],
      benchmarks: new Set(["mmrb"]),
      evaluate: evaluations({
        cand: { mmrb: judge({ ...MMRB, vqa: 0.69 }) },
        champ: { mmrb: judge(MMRB) },
      }),
      simulated: false,
    });
    t.match(report.gates[0], { passed: true, reason: /within the 2\.0 pts tolerance/ });
    t.match(report.gates[1], { passed: false, reason: /benchmark 'vlrb' is not configured/ });
    t.equal(report.passed, false, "all gates must pass");
  },
);

t.test("shadow gate: not enough traffic fails, then agreement decides", async (t) => {
  const policy: Gate[] = [
    {
      name: "shadow",
      metric: "shadow_agreement",
      rule: "minimum",
      threshold: 0.9,
      minRequests: 50,
    },
  ];
  const base = {
    candidate: "c",
    champion: "p",
    policy,
    benchmarks: new Set<string>(),
    simulated: false,
  };
  const evaluate = async (): Promise<GateEvaluation> => {
    throw new Error("no benchmark gate");
  };
  const few = await runGates({
    ...base,
    evaluate,
    shadow: async () => ({ requests: 10, agreements: 10 }),
  });
  t.match(few.gates[0], { passed: false, reason: /only 10 shadow verdicts of the 50 needed/ });
  const low = await runGates({
    ...base,
    evaluate,
    shadow: async () => ({ requests: 100, agreements: 80 }),
  });
  t.match(low.gates[0], { passed: false, reason: /80\.0% of 100 .*< 90\.0%/ });
  const high = await runGates({
    ...base,
    evaluate,
    shadow: async () => ({ requests: 100, agreements: 95 }),
  });
  t.equal(high.passed, true);
});

t.test("JURIST_GATES parses JSON and reports every bad gate", async (t) => {
  const config = loadConfig({
    JURIST_GATES: JSON.stringify([
      { name: "g", benchmark: "vlrb", metric: "category:reasoning", rule: "improve" },
    ]),
  });
  t.same(config.gates.policy, [
    { name: "g", benchmark: "vlrb", metric: "category:reasoning", rule: "improve", margin: 0 },
  ]);
  t.equal(loadConfig({}).gates.policy.length, 3, "the defaults");
  t.throws(
    () =>
      loadConfig({
        JURIST_GATES: JSON.stringify([
          { name: "g", benchmark: "x", metric: "macro", rule: "better" },
        ]),
      }),
    { name: "ConfigError", message: /JURIST_GATES/ },
  );
  t.throws(() => loadConfig({ JURIST_GATES: "[not json" }), { name: "ConfigError" });
});
