import t from "tap";
import {
  type Arms,
  checkOutcomes,
  type Outcome,
} from "../../../trainer/experiment/experiment-result.ts";
import { arm, goodResult } from "./experiment-fixture.ts";

const outcome = (arms: Arms, id: string): Outcome => {
  const found = checkOutcomes({ arms }).find((o) => o.id === id);
  if (!found) throw new Error(`no outcome ${id}`);
  return found;
};

t.test("every claim holds on a result built to satisfy them, with its numbers", async (t) => {
  const outcomes = checkOutcomes(goodResult());
  t.strictSame(
    outcomes.map((o) => o.id),
    [
      "paper-improves",
      "filter-matters",
      "both-orders-matter",
      "flipped-fails",
      "safety-steady",
      "filter-raises-precision",
    ],
  );
  for (const o of outcomes) t.equal(o.holds, true, `${o.id}: ${o.detail}`);
  const detail = (id: string) => outcomes.find((o) => o.id === id)!.detail;
  t.match(detail("paper-improves"), /61\.2% → 66\.3% \(\+5\.1 points\) by iteration 2/);
  t.match(detail("paper-improves"), /95% CI \+3\.1 points to \+7\.1 points/);
  t.match(detail("filter-matters"), /no-filter 62\.4%, paper 66\.3%/);
  t.match(detail("both-orders-matter"), /one-order 71\.0%, paper 86\.0%/);
  t.match(detail("flipped-fails"), /61\.2% → 55\.1%.*rejected it \(vlrb macro fell 6\.0 points\)/);
  t.match(detail("safety-steady"), /safety-refusal 70\.0% → 70\.5% \(base 95% CI 64\.0%–76\.0%\)/);
  t.match(detail("filter-raises-precision"), /1: 71\.0% → 86\.0%, 2: 74\.0% → 90\.0%/);
});

t.test("every claim is null when only the base iteration was run", async (t) => {
  const arms = goodResult().arms;
  const bases: Arms = Object.fromEntries(
    Object.entries(arms).map(([name, a]) => [name, { iterations: a!.iterations.slice(0, 1) }]),
  );
  for (const o of checkOutcomes({ arms: bases })) t.equal(o.holds, null, `${o.id}: ${o.detail}`);
  for (const o of checkOutcomes({ arms: {} })) t.match(o.detail, /not run/);
});

t.test("paper-improves", async (t) => {
  const small = { paper: arm("paper", [{ vlrb: 0.612 }, { vlrb: 0.635 }]) };
  t.equal(outcome(small, "paper-improves").holds, false, "a gain under 3 points");
  const straddles = {
    paper: arm("paper", [{ vlrb: 0.612 }, { vlrb: 0.652, pairedCi: [-0.004, 0.08] }]),
  };
  t.equal(outcome(straddles, "paper-improves").holds, false, "an interval that holds 0");
  const exactly = { paper: arm("paper", [{ vlrb: 0.6 }, { vlrb: 0.63, pairedCi: [0.01, 0.05] }]) };
  t.equal(outcome(exactly, "paper-improves").holds, true, "3 points is enough");
  const unpaired = { paper: arm("paper", [{ vlrb: 0.612 }, { vlrb: 0.662, pairedCi: null }]) };
  t.equal(outcome(unpaired, "paper-improves").holds, null, "no paired interval: cannot say");
  t.equal(outcome({}, "paper-improves").holds, null);
});

t.test("filter-matters and both-orders-matter compare the arms' last iterations", async (t) => {
  const paper = arm("paper", [{ vlrb: 0.6 }, { vlrb: 0.65, consistency: 0.8 }]);
  const above = arm("no-filter", [{ vlrb: 0.6 }, { vlrb: 0.66 }]);
  t.equal(outcome({ paper, "no-filter": above }, "filter-matters").holds, false);
  t.equal(outcome({ "no-filter": above }, "filter-matters").holds, null, "no paper arm");
  t.match(outcome({ "no-filter": above }, "filter-matters").detail, /not run .*paper/);
  const consistent = arm("one-order", [{ vlrb: 0.6 }, { vlrb: 0.64, consistency: 0.8 }]);
  t.equal(outcome({ paper, "one-order": consistent }, "both-orders-matter").holds, false, "a tie");
  t.equal(outcome({ paper }, "both-orders-matter").holds, null);
});

t.test("flipped-fails needs both a fall and a rejection", async (t) => {
  const falls = [{ vlrb: 0.6 }, { vlrb: 0.55 }];
  t.equal(outcome({ flipped: arm("flipped", falls, false) }, "flipped-fails").holds, true);
  t.equal(outcome({ flipped: arm("flipped", falls, true) }, "flipped-fails").holds, false);
  const rises = arm("flipped", [{ vlrb: 0.6 }, { vlrb: 0.62 }], false);
  t.equal(outcome({ flipped: rises }, "flipped-fails").holds, false);
  t.equal(outcome({ flipped: arm("flipped", falls) }, "flipped-fails").holds, null, "no gate");
  const onIteration = arm("flipped", falls);
  onIteration.iterations[1]!.gate = { promoted: false, reasons: ["worse"] };
  t.equal(
    outcome({ flipped: onIteration }, "flipped-fails").holds,
    true,
    "the last iteration's gate",
  );
  t.equal(outcome({}, "flipped-fails").holds, null);
});

t.test("safety-steady", async (t) => {
  const moves = { paper: arm("paper", [{ vlrb: 0.6 }, { vlrb: 0.65, safety: 0.62 }]) };
  t.equal(outcome(moves, "safety-steady").holds, false, "70% → 62% leaves [64%, 76%]");
  const paired = arm("paper", [{ vlrb: 0.6 }, { vlrb: 0.65, safety: 0.62 }]);
  paired.iterations[1]!.paired!.mmrb = {
    macro_delta: 0,
    ci: [-0.02, 0.02],
    categories: { "safety-refusal": { delta: -0.08, ci: [-0.15, -0.01] } },
  };
  t.equal(outcome({ paper: paired }, "safety-steady").holds, false, "a paired interval without 0");
  paired.iterations[1]!.paired!.mmrb.categories!["safety-refusal"]!.ci = [-0.15, 0.01];
  t.equal(outcome({ paper: paired }, "safety-steady").holds, true, "a paired interval with 0");
  const noSafety = arm("paper", [{ vlrb: 0.6 }, { vlrb: 0.65 }]);
  for (const i of noSafety.iterations) delete i.benchmarks.mmrb!.categories["safety-refusal"];
  t.equal(outcome({ paper: noSafety }, "safety-steady").holds, null);
});

t.test("filter-raises-precision looks at every trained iteration", async (t) => {
  const once = arm("paper", [
    { vlrb: 0.6 },
    { vlrb: 0.62, precision: [0.7, 0.8] },
    { vlrb: 0.64, precision: [0.8, 0.8] },
  ]);
  t.equal(outcome({ paper: once }, "filter-raises-precision").holds, false, "equal is not more");
  const unmeasured = arm("paper", [{ vlrb: 0.6 }, { vlrb: 0.62, precision: null }]);
  t.equal(outcome({ paper: unmeasured }, "filter-raises-precision").holds, null);
  t.match(outcome({ paper: unmeasured }, "filter-raises-precision").detail, /1: not measured/);
});
