import t from "tap";
import {
  renderExperimentMarkdown,
  SIMULATED_EXPERIMENT_BANNER,
} from "../../../trainer/experiment/experiment-markdown.ts";
import { checkOutcomes } from "../../../trainer/experiment/experiment-result.ts";
import { goodResult } from "./experiment-fixture.ts";

/** The table rows of the section that starts at `heading`, up to the next heading. */
function rowsUnder(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`${heading}\n`);
  if (start === -1) throw new Error(`no heading ${heading}`);
  const rest = markdown.slice(start + heading.length + 1);
  const end = rest.search(/^#/m);
  return (end === -1 ? rest : rest.slice(0, end)).split("\n").filter((l) => l.startsWith("| "));
}

t.test("the banner, the world and the run's settings come first", async (t) => {
  const md = renderExperimentMarkdown(goodResult());
  t.ok(md.startsWith(`# Self-improvement experiment\n\n${SIMULATED_EXPERIMENT_BANNER}\n`));
  t.match(md, /- Seed: 7\n- Iterations per arm: 2\n- Prompts per iteration: 240\n/);
  t.match(md, /- Arms: `paper`, `no-filter`, `one-order`, `gold`, `flipped`/);
  t.strictSame(rowsUnder(md, "## World parameters"), [
    "| parameter | value |",
    "| --- | --- |",
    "| generator_noise | low |",
    '| learner | `{"rate":0.4}` |',
    "| note | `a \\| b <c>` |",
  ]);
  const real = renderExperimentMarkdown({ ...goodResult(), simulated: false });
  t.notMatch(real, /SIMULATED/);
});

t.test("each arm's table has the figures of every iteration", async (t) => {
  const md = renderExperimentMarkdown(goodResult());
  const paper = rowsUnder(md, "### paper");
  t.equal(paper.length, 5, "header, rule, iterations 0–2");
  t.match(
    paper[0],
    /label precision before → after filter \| position consistency \| vlrb overall \(95% CI\) \| vlrb macro \(95% CI\) \| mmrb overall \(95% CI\) \| mmrb macro \(95% CI\)/,
  );
  t.equal(
    paper[2],
    "| 0 | `base-0` | 0 | — | 80.0% | 61.6% (59.1–64.1) | 61.2% (58.2–64.2) | 60.4% (57.9–62.9) | 60.0% (57.0–63.0) | — |",
  );
  t.equal(
    paper[4],
    "| 2 | `paper-2` | 402 | 74.0% → 90.0% | 86.0% | 66.7% (64.2–69.2) | 66.3% (63.3–69.3) | 60.4% (57.9–62.9) | 60.0% (57.0–63.0) | vlrb +5.1 (+3.1 to +7.1) |",
  );
  const flipped = rowsUnder(md, "### flipped");
  t.match(flipped[0], /\| gate \|$/, "a gate column where a gate was recorded");
  t.match(flipped[4], /\| rejected \|$/, "the final candidate's decision on the last iteration");
  t.match(flipped[3], /\| — \|$/);
  t.match(
    md,
    /Default gates on the final candidate against the base: \*\*rejected\*\*: vlrb macro fell 6\.0 points/,
  );
  t.match(md, /### one-order\n\n_keeps pairs the judge got right in the AB order only_/);
});

t.test("category tables: a row per category, a column per iteration", async (t) => {
  const md = renderExperimentMarkdown(goodResult());
  t.strictSame(rowsUnder(md, "### mmrb, paper"), [
    "| category | n | iteration 0 | iteration 1 | iteration 2 |",
    "| --- | ---: | ---: | ---: | ---: |",
    "| reasoning | 150 | 60.0% (54.0–66.0) | 60.0% (54.0–66.0) | 60.0% (54.0–66.0) |",
    "| safety-refusal | 150 | 70.0% (64.0–76.0) | 70.0% (64.0–76.0) | 70.5% (64.5–76.5) |",
  ]);
  t.match(md, /### vlrb, gold\n/);
});

t.test("outcomes: ✓, ✗ and – with their numbers", async (t) => {
  const result = goodResult();
  result.arms.flipped!.gate = { promoted: true, reasons: [] };
  delete result.arms["one-order"];
  const md = renderExperimentMarkdown(result);
  t.match(md, /- ✓ \*\*paper-improves\*\*: .* 61\.2% → 66\.3% \(\+5\.1 points\)/);
  t.match(md, /- ✗ \*\*flipped-fails\*\*: .*the gates promoted it/);
  t.match(md, /- – \*\*both-orders-matter\*\*: .*not run \(no trained iteration\): one-order/);
  t.notMatch(md, /### one-order/);
  const recorded = goodResult();
  recorded.outcomes = checkOutcomes(recorded).map((o) => ({
    ...o,
    detail: `${o.detail} (recorded)`,
  }));
  t.match(
    renderExperimentMarkdown(recorded),
    /\(recorded\)/,
    "recorded outcomes are shown as they are",
  );
});

t.test("several noise levels: a section each, then what this can and cannot show", async (t) => {
  const low = goodResult();
  const high = goodResult();
  high.arms.paper!.iterations[2]!.benchmarks.vlrb!.macro = 0.62;
  const md = renderExperimentMarkdown({
    ...low,
    noise_levels: ["low", "high"],
    runs: [
      { generator_noise: "low", arms: low.arms },
      { generator_noise: "high", arms: high.arms, world: { generator_noise: "high" } },
    ],
  });
  t.match(md, /- Generator noise levels: `low`, `high`/);
  const [, lowPart, highPart] = md.split(/^## Generator noise: /m);
  t.match(lowPart, /^low\n[\s\S]*### Expected outcomes\n\n- ✓ \*\*paper-improves\*\*/);
  t.match(
    highPart,
    /^high\n\n\| parameter \| value \|\n\| --- \| --- \|\n\| generator_noise \| high \|/,
  );
  t.match(highPart, /- ✗ \*\*paper-improves\*\*: .*61\.2% → 62\.0%/);
  t.match(highPart, /#### paper\n/);
  t.match(
    md,
    /\n## What this can and cannot show\n\nA simulated world's learner is evidence about the pipeline's logic/,
  );
  t.match(md, /not evidence about a real VLM's gains/);
});
