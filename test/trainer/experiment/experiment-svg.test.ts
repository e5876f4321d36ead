import { spawnSync } from "node:child_process";
import t from "tap";
import {
  escapeXml,
  niceScale,
  renderExperimentSvg,
} from "../../../trainer/experiment/experiment-svg.ts";
import { needs } from "../../helpers/required-tools.ts";
import { goodResult } from "./experiment-fixture.ts";
import { xmlProblems } from "./xml-well-formed.ts";

/** The markup of each panel, by its data-panel name (panels do not nest). */
function panels(svg: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of svg.matchAll(/<g class="panel" data-panel="([^"]*)"[^>]*>([\s\S]*?)<\/g>/g)) {
    found.set(m[1]!, m[2]!);
  }
  return found;
}
const armsDrawn = (markup: string) =>
  [...markup.matchAll(/<polyline class="series" data-arm="([^"]*)"/g)].map((m) => m[1]);

/** A result with a category name that needs escaping, in both benchmarks' first arm. */
function awkward() {
  const result = goodResult();
  for (const i of result.arms.paper!.iterations) {
    i.benchmarks.vlrb!.categories['charts & "tables" <2>'] = {
      n: 3,
      accuracy: 0.5,
      ci: [0.1, 0.9],
    };
  }
  return result;
}

t.test("the checker itself rejects what is not well-formed", async (t) => {
  t.strictSame(xmlProblems('<a x="1"><b/>t &amp; u</a>'), []);
  t.ok(xmlProblems("<a><b></a></b>").length > 0, "crossed tags");
  t.ok(xmlProblems("<a>x & y</a>").length > 0, "a bare ampersand");
  t.ok(xmlProblems('<a x="<"/>').length > 0, "< in an attribute");
  t.ok(xmlProblems("<a/><b/>").length > 0, "two roots");
  t.ok(xmlProblems("<a>").length > 0, "unclosed");
});

t.test("the chart is well-formed XML, with every text escaped", async (t) => {
  const svg = renderExperimentSvg(awkward());
  t.strictSame(xmlProblems(svg), []);
  t.match(
    svg,
    /^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/,
  );
  t.match(svg, /vlrb · charts &amp; &quot;tables&quot; &lt;2&gt;/);
  t.match(svg, /SIMULATED world/);
  t.equal(escapeXml(`<a href='x'>&"`), "&lt;a href=&apos;x&apos;&gt;&amp;&quot;");
});

t.test(
  "python's XML parser reads it too",
  needs(["python3"], "apt-get install python3"),
  async (t) => {
    const parse = "import sys, xml.etree.ElementTree as ET; ET.fromstring(sys.stdin.buffer.read())";
    const result = spawnSync("python3", ["-c", parse], { input: renderExperimentSvg(awkward()) });
    t.equal(result.status, 0, result.stderr?.toString());
  },
);

t.test("the main panel has one line per arm, in arm order, and a legend entry each", async (t) => {
  const svg = renderExperimentSvg(goodResult());
  const main = panels(svg).get("main");
  t.ok(main, "a main panel");
  t.strictSame(armsDrawn(main!), ["paper", "no-filter", "one-order", "gold", "flipped"]);
  const colours = [...main!.matchAll(/<polyline[^>]* stroke="(#[0-9a-f]{6})"/g)].map((m) => m[1]);
  t.equal(new Set(colours).size, 5, "distinct colours");
  t.match(main!, />vlrb macro accuracy by iteration</);
  t.match(main!, />iteration</);
  for (const tick of ["0", "1", "2"])
    t.match(main!, new RegExp(`text-anchor="middle" font-size="10">${tick}<`));
  const yTicks = [...main!.matchAll(/text-anchor="end"[^>]*>([^<]*)</g)].map((m) => m[1]);
  t.strictSame(yTicks, ["55.0%", "57.5%", "60.0%", "62.5%", "65.0%", "67.5%"], "y ticks alike");
  t.equal((svg.match(/<g class="legend-item"/g) ?? []).length, 5);
  // Iteration 2 of paper: 66.3%, in a tooltip.
  t.match(main!, /<title>paper, iteration 2: 66\.3%<\/title>/);
});

t.test("one small panel per category of each benchmark, each with every arm", async (t) => {
  const found = panels(renderExperimentSvg(goodResult()));
  t.strictSame(
    [...found.keys()].filter((name) => name !== "main"),
    ["vlrb/general", "vlrb/hallucination", "mmrb/reasoning", "mmrb/safety-refusal"],
  );
  for (const [name, markup] of found) t.equal(armsDrawn(markup).length, 5, name);
});

t.test("several noise levels: a main panel per run, and an arm with a missing score", async (t) => {
  const low = goodResult();
  const high = goodResult();
  high.arms.paper!.iterations[1]!.benchmarks.vlrb!.macro = null;
  const svg = renderExperimentSvg({
    ...low,
    noise_levels: ["low", "high"],
    runs: [
      { generator_noise: "low", arms: low.arms },
      { generator_noise: "high", arms: high.arms },
    ],
  });
  t.strictSame(xmlProblems(svg), []);
  t.equal((svg.match(/data-panel="main"/g) ?? []).length, 2);
  t.match(svg, /generator noise: low[\s\S]*generator noise: high/);
  const highMain = svg.split("generator noise: high")[1]!;
  const paper = /<polyline class="series" data-arm="paper" points="([^"]*)"/.exec(highMain)![1]!;
  t.equal(paper.split(" ").length, 2, "the missing point is left out of the line");
});

t.test("the y range rounds outward to ticks and stays in [0, 1]", async (t) => {
  t.strictSame(niceScale([0.612, 0.663]), {
    low: 0.61,
    high: 0.67,
    ticks: [0.61, 0.62, 0.63, 0.64, 0.65, 0.66, 0.67],
  });
  const flat = niceScale([1, 1]);
  t.equal(flat.high, 1);
  t.ok(flat.low < 1);
  t.strictSame(niceScale([0, 1]).ticks, [0, 0.2, 0.4, 0.6, 0.8, 1]);
});
