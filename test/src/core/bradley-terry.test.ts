import fc from "fast-check";
import t from "tap";
import { type Comparison, fitBradleyTerry } from "../../../src/core/bradley-terry.ts";

/** Comparisons as a BT model with `strengths` would produce them in expectation: soft wins. */
function expected(strengths: readonly number[], total: number): Comparison[] {
  const comparisons: Comparison[] = [];
  for (let a = 0; a < strengths.length; a++) {
    for (let b = a + 1; b < strengths.length; b++) {
      const p = strengths[a]! / (strengths[a]! + strengths[b]!);
      comparisons.push({ a, b, winsA: p * total, total });
    }
  }
  return comparisons;
}

const ratio = (scores: (number | null)[], i: number, j: number) =>
  Math.exp(scores[i]! - scores[j]!);

t.test("transitive data: the order and the strength ratios come back", async (t) => {
  const strengths = [1, 2, 4, 8, 3];
  const exact = fitBradleyTerry(5, expected(strengths, 2), { prior: 0 });
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 5; j++) {
      t.ok(Math.abs(ratio(exact, i, j) - strengths[i]! / strengths[j]!) < 1e-6, `π${i}/π${j}`);
    }
  }
  const sum = exact.reduce((total, s) => total! + s!, 0)!;
  t.ok(Math.abs(sum) < 1e-9, "centred to mean 0 on the log scale");

  // With the default prior the estimates shrink toward each other, less so with more data.
  const shrunk = fitBradleyTerry(5, expected(strengths, 2));
  const order = (scores: (number | null)[]) =>
    [...scores.keys()].sort((i, j) => scores[j]! - scores[i]!);
  t.same(order(shrunk), [3, 2, 4, 1, 0], "the order holds with the prior");
  t.ok(ratio(shrunk, 3, 0) < 8 && ratio(shrunk, 3, 0) > 4, "shrunk, not reversed");
  // With this much data the prior barely fixes the scale, which the iteration creeps along for
  // all its rounds (the centred scores still move by some 3e-9 a round): 1,000 rounds do here.
  const plenty = fitBradleyTerry(5, expected(strengths, 1_000), { maxIterations: 1_000 });
  t.ok(Math.abs(ratio(plenty, 3, 0) / 8 - 1) < 0.01, "the prior's pull fades with data");
});

t.test("a cyclic preference (A ≻ B ≻ C ≻ A, equally) gives equal scores", async (t) => {
  const cycle: Comparison[] = [
    { a: 0, b: 1, winsA: 2, total: 2 },
    { a: 1, b: 2, winsA: 2, total: 2 },
    { a: 2, b: 0, winsA: 2, total: 2 },
  ];
  for (const scores of [fitBradleyTerry(3, cycle), fitBradleyTerry(3, cycle, { prior: 0.01 })]) {
    for (const score of scores) t.ok(Math.abs(score!) < 1e-9, `score ${score} is 0`);
  }
  const soft: Comparison[] = [
    { a: 0, b: 1, winsA: 1.6, total: 2 },
    { a: 1, b: 2, winsA: 1.6, total: 2 },
    { a: 2, b: 0, winsA: 1.6, total: 2 },
  ];
  for (const score of fitBradleyTerry(3, soft, { prior: 0 })) t.ok(Math.abs(score!) < 1e-9);
});

t.test("perfect separation converges to finite, ordered scores with the prior", async (t) => {
  const sweep: Comparison[] = [];
  for (let a = 0; a < 8; a++)
    for (let b = a + 1; b < 8; b++) sweep.push({ a, b, winsA: 2, total: 2 });
  const scores = fitBradleyTerry(8, sweep);
  // It converges (in about 1,700 rounds) rather than running out the default 10,000: a round
  // count, not a wall-clock time, which a loaded machine or Stryker's instrumentation would break.
  t.same(fitBradleyTerry(8, sweep, { maxIterations: 2_500 }), scores, "converged");
  t.ok(scores.every((s) => s !== null && Number.isFinite(s)));
  for (let i = 1; i < 8; i++) t.ok(scores[i - 1]! > scores[i]!, `${i - 1} above ${i}`);
  t.throws(() => fitBradleyTerry(8, sweep, { prior: 0 }), RangeError, "no MLE without a prior");
});

t.test("a candidate in no comparison has no score, not a made-up one", async (t) => {
  const scores = fitBradleyTerry(3, [{ a: 0, b: 1, winsA: 1.5, total: 2 }]);
  t.equal(scores[2], null);
  t.ok(scores[0]! > 0 && scores[1]! < 0);
  t.ok(Math.abs(scores[0]! + scores[1]!) < 1e-12, "centred over the scored ones");
  t.same(fitBradleyTerry(2, []), [null, null]);
});

t.test("malformed comparisons are refused", async (t) => {
  t.throws(() => fitBradleyTerry(2, [{ a: 0, b: 0, winsA: 1, total: 1 }]), RangeError);
  t.throws(() => fitBradleyTerry(2, [{ a: 0, b: 2, winsA: 1, total: 1 }]), RangeError);
  t.throws(() => fitBradleyTerry(2, [{ a: 0, b: 1, winsA: 3, total: 2 }]), RangeError);
  t.throws(() => fitBradleyTerry(2, [], { prior: -1 }), RangeError);
});

t.test("property: relabelling the candidates relabels the scores", async () => {
  const data = fc.integer({ min: 2, max: 8 }).chain((count) =>
    fc.record({
      count: fc.constant(count),
      outcomes: fc.array(
        fc.record({
          p: fc.double({ min: 0, max: 1, noNaN: true }),
          total: fc.constantFrom(0, 1, 2),
        }),
        { minLength: (count * (count - 1)) / 2, maxLength: (count * (count - 1)) / 2 },
      ),
      order: fc.shuffledSubarray([...Array(count).keys()], { minLength: count, maxLength: count }),
    }),
  );
  fc.assert(
    fc.property(data, ({ count, outcomes, order }) => {
      const comparisons: Comparison[] = [];
      let k = 0;
      for (let a = 0; a < count; a++) {
        for (let b = a + 1; b < count; b++) {
          const { p, total } = outcomes[k++]!;
          comparisons.push({ a, b, winsA: p * total, total });
        }
      }
      // Candidate i is called order[i] after relabelling.
      const relabelled = comparisons.map((c) => ({ ...c, a: order[c.a]!, b: order[c.b]! }));
      const before = fitBradleyTerry(count, comparisons);
      const after = fitBradleyTerry(count, relabelled);
      return before.every((score, i) => {
        const moved = after[order[i]!];
        return score === null ? moved === null : Math.abs(score - moved!) < 1e-6;
      });
    }),
    { numRuns: 50 },
  );
});

/** The root of an increasing function of log x, by bisection over a range no fit leaves. */
function increasingRoot(f: (x: number) => number): number {
  let [lo, hi] = [-40, 40];
  for (let k = 0; k < 200; k++) {
    const mid = (lo + hi) / 2;
    if (f(Math.exp(mid)) < 0) lo = mid;
    else hi = mid;
  }
  return Math.exp((lo + hi) / 2);
}

t.test("exact scores with a prior, two candidates: the closed-form MAP estimate", async (t) => {
  // The posterior is unchanged by π ↦ (1/π_b, 1/π_a) (the prior's opponent has strength 1 and
  // is half won), and its maximum is unique, so π_b = 1/π_a = 1/x and the scores are ±log x,
  // where x solves a's score equation: winsA + prior/2 = prior·x/(x+1) + total·x²/(x²+1).
  const cases = [
    { winsA: 1, total: 1, prior: 1 },
    { winsA: 3, total: 4, prior: 1 },
    { winsA: 0, total: 2, prior: 1 },
    { winsA: 1.5, total: 2, prior: 0.5 },
    { winsA: 2, total: 2, prior: 3 },
  ];
  for (const { winsA, total, prior } of cases) {
    const x = increasingRoot(
      (x) => (prior * x) / (x + 1) + (total * x * x) / (x * x + 1) - winsA - prior / 2,
    );
    const options = prior === 1 ? {} : { prior };
    const [a, b] = fitBradleyTerry(2, [{ a: 0, b: 1, winsA, total }], options);
    const label = `${winsA} of ${total}, prior ${prior}`;
    t.ok(Math.abs(a! - Math.log(x)) < 1e-8, `${label}: ${a} is log ${x}`);
    t.ok(Math.abs(b! + Math.log(x)) < 1e-8, `${label}: ${b} is −log ${x}`);
  }
  // Hand check of the first case: x/(x+1) + x²/(x²+1) = 1.5 at x ≈ 2.1304.
  const [won] = fitBradleyTerry(2, [{ a: 0, b: 1, winsA: 1, total: 1 }]);
  t.ok(Math.abs(Math.exp(won!) - 2.1304) < 1e-4, `π = ${Math.exp(won!)}`);
});

t.test("exact scores with the default prior: every candidate's score equation holds", async (t) => {
  // The fit is centred, so the strengths are c·e^score for the one scale c the prior fixes:
  // summing all score equations leaves Σ_i (π_i/(π_i+1) − 1/2) = 0. Each equation is then
  // wins_i + 1/2 = π_i/(π_i+1) + Σ_j n_ij·π_i/(π_i+π_j): the stationary point, whatever the
  // iteration that reaches it.
  const comparisons: Comparison[] = [
    { a: 0, b: 1, winsA: 2, total: 3 },
    { a: 1, b: 2, winsA: 1.5, total: 2 },
    { a: 2, b: 0, winsA: 0.25, total: 1 },
    { a: 3, b: 0, winsA: 0, total: 2 },
  ];
  const scores = fitBradleyTerry(5, comparisons);
  t.equal(scores[4], null);
  const relative = scores.slice(0, 4).map((s) => Math.exp(s!));
  const c = increasingRoot((c) =>
    relative.reduce((sum, r) => sum + (c * r) / (c * r + 1) - 0.5, 0),
  );
  const strength = relative.map((r) => c * r);
  for (let i = 0; i < 4; i++) {
    let wins = 0;
    let expected = strength[i]! / (strength[i]! + 1);
    for (const { a, b, winsA, total } of comparisons) {
      const j = a === i ? b : b === i ? a : -1;
      if (j < 0) continue;
      wins += a === i ? winsA : total - winsA;
      expected += (total * strength[i]!) / (strength[i]! + strength[j]!);
    }
    t.ok(Math.abs(wins + 0.5 - expected) < 1e-8, `candidate ${i}: ${wins + 0.5} ≈ ${expected}`);
  }
});

t.test("prior 0 throws when one candidate won everything or lost everything", async (t) => {
  // 0 beats both; 1 and 2 split: only the winner is perfect.
  const perfectWinner: Comparison[] = [
    { a: 0, b: 1, winsA: 2, total: 2 },
    { a: 0, b: 2, winsA: 1, total: 1 },
    { a: 1, b: 2, winsA: 1, total: 2 },
  ];
  t.throws(() => fitBradleyTerry(3, perfectWinner, { prior: 0 }), {
    name: "RangeError",
    message: /candidate 0 won 3 of 3/,
  });
  // 2 loses to both; 0 and 1 split: only the loser is perfect.
  const perfectLoser: Comparison[] = [
    { a: 0, b: 1, winsA: 1, total: 2 },
    { a: 0, b: 2, winsA: 1, total: 1 },
    { a: 1, b: 2, winsA: 2, total: 2 },
  ];
  t.throws(() => fitBradleyTerry(3, perfectLoser, { prior: 0 }), {
    name: "RangeError",
    message: /candidate 2 won 0 of 3/,
  });
  // The same data with any prior is fine, and so is prior 0 when nobody is perfect, even with a
  // candidate outside every comparison (it won nothing of nothing, but it is not fitted).
  t.ok(fitBradleyTerry(3, perfectLoser).every(Number.isFinite));
  t.ok(fitBradleyTerry(3, perfectWinner, { prior: 0.001 }).every(Number.isFinite));
  const split = fitBradleyTerry(3, [{ a: 0, b: 1, winsA: 1, total: 2 }], { prior: 0 });
  t.same(split, [0, 0, null]);
});

t.test("malformed indices and counts are refused; the boundaries are accepted", async (t) => {
  const fit = (c: Partial<Comparison>) => () =>
    fitBradleyTerry(3, [{ a: 0, b: 1, winsA: 1, total: 2, ...c }]);
  for (const pair of [{ a: -1 }, { b: -1 }, { a: 3 }, { b: 3 }, { a: 0.5 }, { b: 1.5 }]) {
    t.throws(
      fit(pair),
      { name: "RangeError", message: /bad pair/ },
      Object.entries(pair).join(" "),
    );
  }
  t.throws(fit({ a: 1, b: 1 }), { name: "RangeError", message: /bad pair \(1, 1\)/ });
  const badCounts = [
    { winsA: -1 },
    { total: -1, winsA: 0 },
    { total: -2, winsA: -3 },
    { winsA: 2.5 },
    { winsA: Number.NaN },
    { total: Number.NaN },
  ];
  for (const counts of badCounts) {
    t.throws(
      fit(counts),
      { name: "RangeError", message: /bad counts/ },
      Object.entries(counts).join(" "),
    );
  }
  // The edges of the valid ranges: index 0 and count − 1, 0 wins, all wins, no comparisons.
  t.doesNotThrow(fit({ a: 2, b: 0 }));
  t.doesNotThrow(fit({ winsA: 0 }));
  t.doesNotThrow(fit({ winsA: 2 }));
  t.same(fit({ winsA: 0, total: 0 })(), [null, null, null], "a total of 0 adds nothing");
  t.throws(() => fitBradleyTerry(2, [], { prior: Number.NaN }), RangeError);
  t.same(fitBradleyTerry(2, [], { prior: 0 }), [null, null], "prior 0 itself is allowed");
});

t.test("maxIterations and tolerance stop the refinement where they say", async (t) => {
  const won: Comparison[] = [{ a: 0, b: 1, winsA: 1, total: 1 }];
  t.same(fitBradleyTerry(3, won, { maxIterations: 0 }), [0, 0, null], "no round: the start");
  // One MM round from π = 1, 1 with the prior: denominators 1/2 + 1/2, so π = 1.5 and 0.5
  // (both from the old estimate: Jacobi; Gauss–Seidel would give 0.5/0.9 for the second),
  // centred to ±log(3)/2.
  const once = fitBradleyTerry(2, won, { maxIterations: 1 });
  t.ok(Math.abs(once[0]! - Math.log(3) / 2) < 1e-12, `one round: ${once[0]}`);
  t.ok(Math.abs(once[1]! + Math.log(3) / 2) < 1e-12);
  // That round moved log π by at most log 2 < 1, so a tolerance of 1 stops right there.
  t.same(fitBradleyTerry(2, won, { tolerance: 1 }), once);
  const twice = fitBradleyTerry(2, won, { maxIterations: 2 });
  const converged = fitBradleyTerry(2, won);
  t.ok(
    twice[0]! > once[0]! && twice[0]! < converged[0]!,
    "a second round moves on, not all the way",
  );
  t.ok(Math.abs(converged[0]! - Math.log(2.1304)) < 1e-4, "the default runs to convergence");
});

t.test("a negative or NaN prior is refused with a message saying what is allowed", async (t) => {
  for (const prior of [-1, -Number.MIN_VALUE, Number.NaN]) {
    t.throws(() => fitBradleyTerry(2, [], { prior }), {
      name: "RangeError",
      message: "prior must be ≥ 0",
    });
  }
});

t.test("the tolerance is inclusive: a round that moves exactly by it is the last", async (t) => {
  // The first round from π = 1, 1 takes the loser to exactly 0.5 (see above): it moves log π by
  // exactly log 2, the largest move of that round.
  const won: Comparison[] = [{ a: 0, b: 1, winsA: 1, total: 1 }];
  const once = fitBradleyTerry(2, won, { maxIterations: 1 });
  t.same(fitBradleyTerry(2, won, { tolerance: Math.LN2 }), once);
  t.notSame(fitBradleyTerry(2, won, { tolerance: Math.LN2 * (1 - Number.EPSILON) }), once);
});

t.test(
  "prior 0: the scale is pinned each round, so the tolerance sees only the scores move",
  async (t) => {
    // With no prior the MM step leaves the scale free; unpinned, a round's drift of the common
    // scale would count as movement and the loop would stop at another round. Scores from this
    // implementation (Jacobi MM, geometric mean pinned to 1), stopped at tolerance 0.01.
    const comparisons: Comparison[] = [
      { a: 0, b: 1, total: 3, winsA: 1 },
      { a: 1, b: 2, total: 3, winsA: 3 },
      { a: 0, b: 2, total: 4, winsA: 3 },
    ];
    const scores = fitBradleyTerry(3, comparisons, { prior: 0, tolerance: 0.01 });
    const expected = [0.1337323129, 1.1675291056, -1.3012614186];
    expected.forEach((value, i) => {
      t.ok(Math.abs(scores[i]! - value) < 1e-6, `candidate ${i}: ${scores[i]} ≈ ${value}`);
    });
  },
);
