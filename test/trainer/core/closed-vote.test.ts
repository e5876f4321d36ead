import t from "tap";
import { voteOnSamples } from "../../../trainer/core/closed-vote.ts";
import { majorityVote } from "../../../trainer/core/majority-vote.ts";
import { classifyQuestion } from "../../../trainer/core/question-classifier.ts";

const question = "How many cats are there?";
const cls = classifyQuestion(question);
const stated = (answer: string) => `I count them. The answer is ${answer}.`;

t.test("the seed picks chosen and rejected exactly as the vote over the answers", async (t) => {
  const responses = [...Array(6).fill(stated("3")), ...Array(4).fill(stated("4"))];
  const picks = new Set<string>();
  for (const seed of [0, 1, 2, 3, 4, "prompt-7", "prompt-8"]) {
    const { answers, vote } = voteOnSamples({ question, cls, responses, seed });
    t.same(vote, majorityVote(answers, { seed }), `seed ${seed}`);
    if (vote.kind === "pair") picks.add(`${vote.chosen}/${vote.rejected}`);
  }
  t.ok(picks.size > 1, `other seeds pick other samples (${picks.size})`);
});

t.test("maxWords reaches the extraction", async (t) => {
  const long = stated("the man in the blue shirt on the left side");
  const responses = [...Array(5).fill(long), stated("the dog")];
  const byDefault = voteOnSamples({ question, cls, responses, seed: 1 });
  t.same(byDefault.answers, [null, null, null, null, null, "dog"], "ten words: over the default 8");
  const wider = voteOnSamples({ question, cls, responses, seed: 1, maxWords: 12 });
  t.equal(wider.answers[0], "man in blue shirt on left side");
  t.equal(wider.vote.kind === "pair" && wider.vote.answer, "man in blue shirt on left side");
});
