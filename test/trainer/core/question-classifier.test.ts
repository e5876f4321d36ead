import t from "tap";
import { makeSeedPrompts } from "../../../sim/seed-prompts.ts";
import { closedAnswerForm } from "../../../sim/world/question-form.ts";
import {
  answerFormOf,
  classifyQuestion,
  type QuestionClass,
} from "../../../trainer/core/question-classifier.ts";
import { confirmByAnswers } from "../../../trainer/core/question-confirmation.ts";

const rule = (question: string) => {
  const cls = classifyQuestion(question);
  return `${cls.kind}:${cls.rule}`;
};

t.test("closed questions name the rule that fired", async (t) => {
  t.equal(rule("Which fruit is shown?\nA. apple\nB. pear"), "closed:option_letter");
  t.equal(rule("Answer with the option letter only."), "closed:option_letter");
  t.equal(rule("How many dogs are in the picture?"), "closed:number");
  t.equal(rule("What is the total of the bill?"), "closed:number");
  t.equal(rule("Is there a red car?"), "closed:yes_no");
  t.equal(rule("Does the sign say STOP? Answer yes or no."), "closed:yes_no");
  t.equal(rule("Name the animal in one word."), "closed:short_phrase");
  t.equal(rule("What colour is the bus?"), "closed:short_phrase");
  t.equal(rule("What color is the bus?"), "closed:short_phrase");
  t.equal(rule("What does the sign say?"), "closed:short_phrase");
  t.equal(rule("Which is larger, the cat or the dog?"), "closed:short_phrase");
  t.equal(rule("Is the cup red or blue?"), "closed:short_phrase");
});

t.test("open questions: descriptions, captions, explanations, no cue", async (t) => {
  t.equal(rule("Describe the scene in detail."), "open:long_answer");
  t.equal(rule("Write a caption for this photo."), "open:long_answer");
  t.equal(rule("Why is the man running?"), "open:long_answer");
  t.equal(rule("Describe how many people are there and what they do."), "open:long_answer");
  t.equal(rule("What is the man doing?"), "open:no_closed_cue");
  const cls = classifyQuestion("Explain the chart.");
  t.match(cls.detail, /explain/);
});

t.test("options win over cues; asking to justify a short answer keeps it closed", async (t) => {
  t.equal(rule("Describe the cat. A. sleeping B. eating"), "closed:option_letter");
  t.equal(rule("How many cats are there? Explain your reasoning."), "closed:number");
  t.match(classifyQuestion("A. red B. blue C. green").detail, /ABC/);
});

t.test("agrees with the simulated engine on its seed prompts", async (t) => {
  for (const { prompt } of makeSeedPrompts(40, "classify")) {
    const ours = classifyQuestion(prompt.question);
    t.equal(ours.kind, closedAnswerForm(prompt.question) ? "closed" : "open", prompt.question);
  }
});

t.test("answer forms follow the rule", async (t) => {
  t.equal(answerFormOf(classifyQuestion("A. x B. y")), "option");
  t.equal(answerFormOf(classifyQuestion("How many?")), "number");
  t.equal(answerFormOf(classifyQuestion("Is it wet?")), "yes_no");
  t.equal(answerFormOf(classifyQuestion("What colour is it?")), "phrase");
  t.equal(answerFormOf(classifyQuestion("Describe it.")), null);
});

const stated = (answer: string) => `Some reasoning. The answer is ${answer}.`;
const long = "The image shows a quiet street with parked cars and a bakery on the corner.";

t.test("confirmation by sampled answers", async (t) => {
  const closed = classifyQuestion("How many cats are there?");
  const sixteen = (short: number, make: (i: number) => string) =>
    Array.from({ length: 16 }, (_, i) => (i < short ? make(i) : long));

  const confirmed = confirmByAnswers(
    closed,
    sixteen(13, () => stated("3")),
  );
  t.equal(confirmed.rule, "number", "13/16 ≥ 80%: stays closed");
  t.match(confirmed.detail, /13\/16/);

  const demoted = confirmByAnswers(
    closed,
    sixteen(12, () => stated("3")),
  );
  t.same([demoted.kind, demoted.rule], ["open", "sampled_long_answers"], "12/16 < 80%");
  t.match(demoted.detail, /was number/);

  const open = classifyQuestion("What is the man doing?");
  const promoted = confirmByAnswers(
    open,
    sixteen(16, () => stated("running")),
  );
  t.same([promoted.kind, promoted.rule], ["closed", "sampled_short_answers"]);

  const captions = sixteen(16, () => "A red car parked by a tree.");
  t.equal(confirmByAnswers(open, captions).kind, "open", "short captions are not stated answers");
  t.equal(
    confirmByAnswers(closed, ["Yes.", "No", "3"]).kind,
    "closed",
    "bare short answers confirm",
  );
  t.equal(confirmByAnswers(closed, []), closed, "no samples: unchanged");
  const strict = confirmByAnswers(
    closed,
    sixteen(15, () => stated("3")),
    { threshold: 1 },
  );
  t.equal(strict.kind, "open", "threshold is configurable");
});

t.test("a classification is plain data", async (t) => {
  const cls: QuestionClass = classifyQuestion("Is it raining?");
  t.same(JSON.parse(JSON.stringify(cls)), cls);
});

t.test("the detail names the cue that fired", async (t) => {
  const detail = (question: string) => classifyQuestion(question).detail;
  t.equal(detail("Answer with the option letter only."), "asks for an option letter");
  t.equal(detail("How Many dogs are there?"), 'cue "how many"');
  t.equal(detail("Does the sign say STOP? Answer yes or no."), 'says "yes or no"');
  t.equal(detail("What shape is the sign?"), "asks for a name or category");
  t.equal(detail("Is there a red car?"), "starts with an auxiliary verb and ends with ?");
  t.equal(detail("What is the man doing?"), "no closed-question cue");
  t.equal(detail("Summarize the article."), 'cue "summarize"');
  t.equal(detail("Analyse the graph."), 'cue "analyse"');
  t.equal(detail("Answer with a number."), 'cue "answer with a number"');
  t.equal(detail("Answer with a single number."), 'cue "answer with a single number"');
});

t.test(
  "an auxiliary-verb start is yes/no only when it ends with ?; spaces around do not count",
  async (t) => {
    t.equal(rule("Is there a dog in the picture"), "open:no_closed_cue");
    t.equal(rule("  Is there a dog in the picture?  \n"), "closed:yes_no");
  },
);
