import fc from "fast-check";
import t from "tap";
import { closedAnswer } from "../../../sim/world/generator.ts";
import { CLOSED_SKILLS, closedQuestion, goldAnswer } from "../../../sim/world/questions.ts";
import { uniformSkills } from "../../../sim/world/skills.ts";
import { GENERATOR_NOISE } from "../../../sim/world/world-params.ts";
import { createRandom } from "../../../src/core/seeded-random.ts";
import { voteOnSamples } from "../../../trainer/core/closed-vote.ts";
import { CLOSED_SAMPLING, majorityVote } from "../../../trainer/core/majority-vote.ts";
import { classifyQuestion } from "../../../trainer/core/question-classifier.ts";
import { seededIndex } from "../../../trainer/core/seeded-hash.ts";
import { sceneFor, worldImage } from "../../helpers/sim-world.ts";

const repeat = (answer: string | null, n: number) => Array<string | null>(n).fill(answer);

t.test("a pair: chosen gives the majority answer, rejected a different one", async (t) => {
  const answers = [...repeat("3", 9), ...repeat("4", 4), ...repeat(null, 2), "5"];
  const vote = majorityVote(answers, { seed: "p1" });
  if (vote.kind !== "pair") throw new Error("expected a pair");
  t.equal(vote.answer, "3");
  t.equal(answers[vote.chosen], "3");
  t.not(answers[vote.rejected], "3");
  t.not(answers[vote.rejected], null, "a sample without an answer is never the rejected one");
  t.equal(vote.rejectedAnswer, answers[vote.rejected]);
  t.same(vote.votes, [
    { answer: "3", count: 9 },
    { answer: "4", count: 4 },
    { answer: "5", count: 1 },
  ]);
  t.equal(vote.answered, 14);
});

t.test("skip reasons", async (t) => {
  const reason = (answers: (string | null)[], minVotes?: number) => {
    const vote = majorityVote(answers, { seed: 1, ...(minVotes ? { minVotes } : {}) });
    return vote.kind === "skip" ? vote.reason : "pair";
  };
  t.equal(reason(repeat(null, 16)), "no_answers");
  t.equal(reason([]), "no_answers");
  t.equal(reason([...repeat("3", 4), ...repeat("4", 3), ...repeat(null, 9)]), "below_threshold");
  t.equal(
    reason([...repeat("3", 4), ...repeat("4", 4)]),
    "below_threshold",
    "a tie under the threshold",
  );
  t.equal(reason([...repeat("3", 6), ...repeat("4", 6), "5"]), "tie");
  t.equal(reason(repeat("3", 16)), "all_agree");
  t.equal(reason([...repeat("3", 15), null]), "all_agree", "no answer is not a different answer");
  t.equal(reason([...repeat("3", 5), "4"]), "pair", "exactly minVotes with a strict plurality");
  t.equal(reason([...repeat("3", 5), "4"], 6), "below_threshold", "minVotes is configurable");
  t.equal(reason(["a", "b"], 1), "tie");
  t.equal(reason(["a", "a", "b"], 1), "pair");
});

t.test("options are validated", async (t) => {
  t.throws(() => majorityVote(["a"], { seed: 1, minVotes: 0 }), RangeError);
  t.throws(() => majorityVote(["a"], { seed: 1, minVotes: 2.5 }), RangeError);
  t.throws(() => majorityVote(["a"], { seed: 1, minVotes: -1 }), {
    name: "RangeError",
    message: "minVotes must be ≥ 1",
  });
});

t.test("the picks are seeded: same seed, same pair; other seeds vary", async (t) => {
  const answers = [...repeat("yes", 10), ...repeat("no", 6)];
  const first = majorityVote(answers, { seed: "run-1" });
  t.same(majorityVote(answers, { seed: "run-1" }), first);
  const picks = new Set<string>();
  for (let seed = 0; seed < 40; seed++) {
    const vote = majorityVote(answers, { seed });
    if (vote.kind === "pair") picks.add(`${vote.chosen}/${vote.rejected}`);
  }
  t.ok(picks.size > 10, `varied picks across seeds (${picks.size})`);
});

t.test("property: a pair always has a strict plurality winner with ≥ minVotes", async (t) => {
  const answer = fc.option(fc.constantFrom("1", "2", "3", "4"), { nil: null });
  fc.assert(
    fc.property(
      fc.array(answer, { maxLength: 24 }),
      fc.integer({ min: 1, max: 8 }),
      (answers, minVotes) => {
        const vote = majorityVote(answers, { seed: "prop", minVotes });
        const count = (a: string) => answers.filter((x) => x === a).length;
        if (vote.kind === "skip") return true;
        const others = vote.votes.slice(1).map((v) => v.count);
        return (
          count(vote.answer) >= minVotes &&
          others.every((c) => c < count(vote.answer)) &&
          answers[vote.chosen] === vote.answer &&
          answers[vote.rejected] !== vote.answer &&
          answers[vote.rejected] !== null
        );
      },
    ),
  );
  t.pass("property held");
});

t.test("votes count option letters and option texts together", async (t) => {
  const question =
    "Which fruit is on the plate? A. apple B. pear C. plum Answer with the option letter.";
  const responses = [
    "The answer is B.",
    "The answer is (B).",
    "Answer: pear",
    "The answer is a pear.",
    "It looks like **B**",
    "The answer is A.",
    "The answer is apple.",
    "I cannot tell from this angle, the plate is partly hidden by the cup.",
  ];
  const { answers, vote } = voteOnSamples({
    question,
    cls: classifyQuestion(question),
    responses,
    seed: "fruit",
  });
  t.same(answers, ["B", "B", "B", "B", "B", "A", "A", null]);
  t.equal(vote.kind, "pair");
  if (vote.kind === "pair") {
    t.equal(vote.answer, "B");
    t.equal(answers[vote.rejected], "A");
  }
});

t.test("votes count number words and digits together", async (t) => {
  const question = "How many cats are there?";
  const responses = [
    "The answer is three.",
    "The answer is 3.",
    "Answer: 3.0",
    "three",
    "The answer is 3 cats.",
    "The answer is 4.",
  ];
  const { answers, vote } = voteOnSamples({
    question,
    cls: classifyQuestion(question),
    responses,
    seed: 2,
  });
  t.same(answers, ["3", "3", "3", "3", "3", "4"]);
  t.equal(vote.kind === "pair" && vote.answer, "3");
  const strict = voteOnSamples({
    question,
    cls: classifyQuestion(question),
    responses,
    seed: 2,
    minVotes: 6,
  });
  t.equal(strict.vote.kind === "skip" && strict.vote.reason, "below_threshold");
});

t.test("on the simulated generator, the majority vote finds the gold answer", async (t) => {
  const generator = { ...GENERATOR_NOISE.low, skills: uniformSkills(0.8) };
  const outcomes = { pairs: 0, gold: 0, skipped: 0 };
  for (let i = 0; i < 60; i++) {
    const scene = sceneFor([worldImage(`vote-${i}`)], "");
    const skill = CLOSED_SKILLS[i % CLOSED_SKILLS.length]!;
    const question = closedQuestion(skill, scene, createRandom("vote", i));
    const gold = goldAnswer(question, scene);
    const samples = Array.from(
      { length: CLOSED_SAMPLING.samples },
      (_, k) => closedAnswer(question, scene, generator, createRandom("vote", i, k))!,
    );
    const { answers, vote } = voteOnSamples({
      question,
      cls: classifyQuestion(question),
      responses: samples.map((s) => s.text),
      seed: `sim-${i}`,
    });
    t.same(
      answers,
      samples.map((s) => s.answer),
      `the trainer reads every sample's answer: ${question}`,
    );
    if (vote.kind !== "pair") {
      outcomes.skipped++;
      continue;
    }
    outcomes.pairs++;
    t.equal(samples[vote.chosen]!.answer, vote.answer);
    t.not(samples[vote.rejected]!.answer, vote.answer);
    if (vote.answer === gold) {
      outcomes.gold++;
      t.ok(samples[vote.chosen]!.correct && !samples[vote.rejected]!.correct);
    }
  }
  t.ok(outcomes.pairs >= 30, `${outcomes.pairs} pairs, ${outcomes.skipped} skipped of 60`);
  const precision = outcomes.gold / outcomes.pairs;
  t.ok(
    precision > 0.75 && precision < 1,
    `the majority is gold in ${outcomes.gold}/${outcomes.pairs}: mostly, not always`,
  );
});

t.test(
  "the tally lists most votes first, equal counts by answer, whatever the sample order",
  async (t) => {
    const expected = [
      { answer: "z", count: 5 },
      { answer: "10", count: 2 },
      { answer: "9", count: 2 },
      { answer: "a", count: 1 },
      { answer: "b", count: 1 },
      { answer: "c", count: 1 },
    ];
    // First seen in reverse, shuffled and sorted order: the sort decides, not insertion order.
    const samples = [
      ["c", "b", "a", "9", "10", "9", "10", ...repeat("z", 5)],
      ["a", "9", "z", "c", "10", "z", "b", "z", "9", "z", "10", "z"],
      [...repeat("z", 5), "10", "10", "9", "9", "a", "b", "c"],
    ];
    for (const answers of samples) {
      const vote = majorityVote(answers, { seed: 1 });
      t.equal(vote.kind, "pair");
      t.same(vote.votes, expected, answers.join());
    }
    // A skipped tie is reported in the same order.
    const tie = majorityVote(["y", "x", "y", "x", "y", "x", "y", "x", "y", "x"], { seed: 1 });
    t.same(tie, {
      kind: "skip",
      reason: "tie",
      votes: [
        { answer: "x", count: 5 },
        { answer: "y", count: 5 },
      ],
      answered: 10,
    });
  },
);

t.test("skip reasons are checked in their documented order", async (t) => {
  const reason = (answers: (string | null)[], minVotes = 5) => {
    const vote = majorityVote(answers, { seed: 1, minVotes });
    return vote.kind === "skip" ? vote.reason : "pair";
  };
  t.equal(reason(repeat("3", 4)), "below_threshold", "below the threshold before all_agree");
  t.equal(reason([null, null], 1), "no_answers", "no answers before anything else");
  t.equal(reason(repeat("3", 5)), "all_agree");
  t.equal(reason(["a", "b", "b", "c", "c"], 2), "tie", "a tie at the top, over the threshold");
  // A tie below the top is no tie: the winner still has a strict plurality.
  t.equal(reason([...repeat("a", 5), "b", "b", "c", "c"]), "pair");
  t.equal(reason([...repeat("a", 5), ...repeat("b", 4)]), "pair", "a one-vote lead is enough");
});

t.test("chosen and rejected are drawn by seed from all eligible samples", async (t) => {
  // Winners at 0, 2, 4, 6; a different answer at 1, 3 ("4") and 5, 7 ("5"); null at 8.
  const answers = ["3", "4", "3", "4", "3", "5", "3", "5", null];
  const options = { minVotes: 4 };
  const chosen = new Set<number>();
  const rejected = new Set<number>();
  const rejectedAnswers = new Set<string>();
  let samePosition = 0;
  for (let seed = 0; seed < 200; seed++) {
    const vote = majorityVote(answers, { ...options, seed });
    if (vote.kind !== "pair") throw new Error("expected a pair");
    t.same(majorityVote(answers, { ...options, seed }), vote, "the same seed, the same pair");
    chosen.add(vote.chosen);
    rejected.add(vote.rejected);
    rejectedAnswers.add(vote.rejectedAnswer);
    // Four of each: one draw used for both would always pick the same rank; separate draws
    // agree about one time in four.
    if ([0, 2, 4, 6].indexOf(vote.chosen) === [1, 3, 5, 7].indexOf(vote.rejected)) {
      samePosition++;
    }
  }
  t.same([...chosen].sort(), [0, 2, 4, 6], "every majority sample can be chosen");
  t.same([...rejected].sort(), [1, 3, 5, 7], "every differing sample can be rejected");
  t.same([...rejectedAnswers].sort(), ["4", "5"], "not only the runner-up answer is rejected");
  t.ok(samePosition < 100, `chosen and rejected are drawn separately (${samePosition}/200)`);
  const byStringSeed = new Set<string>();
  for (let k = 0; k < 20; k++) {
    byStringSeed.add(JSON.stringify(majorityVote(answers, { ...options, seed: `prompt-${k}` })));
  }
  t.ok(byStringSeed.size > 1, "string seeds vary the pair too");
});

t.test(
  "the chosen pick ignores the losing samples, the rejected pick the winning ones",
  async (t) => {
    // Each draw depends on its own candidates and the seed: changing which losers there are
    // (same winner positions) leaves the chosen sample alone, and vice versa.
    for (let seed = 0; seed < 30; seed++) {
      const base = majorityVote(["3", "3", "3", "3", "3", "4", "5"], { seed });
      const otherLosers = majorityVote(["3", "3", "3", "3", "3", "6", "6", "7"], { seed });
      const otherWinners = majorityVote(["9", "9", "9", "9", "9", "4", "5"], { seed });
      if (base.kind !== "pair" || otherLosers.kind !== "pair" || otherWinners.kind !== "pair") {
        throw new Error("expected pairs");
      }
      t.equal(otherLosers.chosen, base.chosen, `seed ${seed}: chosen`);
      t.equal(otherWinners.rejected, base.rejected, `seed ${seed}: rejected`);
    }
  },
);

t.test('the documented draws: index seededIndex(n, "chosen" | "rejected", seed)', async (t) => {
  const answers = ["3", "4", "3", null, "3", "5", "3", "4", "3"];
  const winners = [0, 2, 4, 6, 8];
  const losers = [1, 5, 7];
  for (const seed of [0, 1, 2, "p-1", "p-2"]) {
    const vote = majorityVote(answers, { seed });
    if (vote.kind !== "pair") throw new Error("expected a pair");
    t.equal(vote.chosen, winners[seededIndex(winners.length, "chosen", seed)], `chosen, ${seed}`);
    t.equal(
      vote.rejected,
      losers[seededIndex(losers.length, "rejected", seed)],
      `rejected, ${seed}`,
    );
  }
});
