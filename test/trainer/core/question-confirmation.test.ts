import t from "tap";
import { classifyQuestion } from "../../../trainer/core/question-classifier.ts";
import {
  CONFIRMATION_THRESHOLD,
  confirmByAnswers,
} from "../../../trainer/core/question-confirmation.ts";

const closed = classifyQuestion("How many cats are there?");
const open = classifyQuestion("What is the man doing?");
const stated = (answer: string) => `Some reasoning. The answer is ${answer}.`;
const long = "The image shows a quiet street with parked cars and a bakery on the corner.";
const ofFive = (short: number, make: () => string) =>
  Array.from({ length: 5 }, (_, i) => (i < short ? make() : long));

t.test("exactly the threshold share confirms, one sample less does not", async (t) => {
  t.equal(CONFIRMATION_THRESHOLD, 0.8);
  t.same(
    confirmByAnswers(
      closed,
      ofFive(4, () => stated("3")),
    ),
    {
      kind: "closed",
      rule: "number",
      detail: `${closed.detail}; 4/5 samples state a short final answer`,
    },
  );
  t.same(
    confirmByAnswers(
      closed,
      ofFive(3, () => stated("3")),
    ),
    {
      kind: "open",
      rule: "sampled_long_answers",
      detail: "3/5 samples state a short final answer (was number)",
    },
  );
  t.same(
    confirmByAnswers(
      open,
      ofFive(4, () => stated("running")),
    ),
    {
      kind: "closed",
      rule: "sampled_short_answers",
      detail: "4/5 samples state a short final answer (was no_closed_cue)",
    },
  );
  t.same(
    confirmByAnswers(
      open,
      ofFive(3, () => stated("running")),
    ),
    {
      kind: "open",
      rule: "no_closed_cue",
      detail: `${open.detail}; 3/5 samples state a short final answer`,
    },
  );
});

t.test("an open question counts only explicit statements, of every kind", async (t) => {
  for (const make of [() => "Thus \\boxed{running}", () => "Answer: running"]) {
    t.equal(confirmByAnswers(open, ofFive(5, make)).kind, "closed", make());
  }
  const bold = confirmByAnswers(
    open,
    ofFive(5, () => "He is **running**"),
  );
  t.equal(bold.kind, "open", "a bold span is short but not stated");
  t.match(bold.detail, /0\/5 samples/);
});

t.test("maxWords reaches the extraction", async (t) => {
  const tenWords = ofFive(5, () => stated("the man in the blue shirt on the left side"));
  t.equal(confirmByAnswers(open, tenWords).kind, "open", "ten words: over the default 8");
  t.equal(confirmByAnswers(open, tenWords, { maxWords: 12 }).kind, "closed");
  t.equal(confirmByAnswers(closed, tenWords, { maxWords: 12 }).kind, "closed");
  t.equal(confirmByAnswers(closed, tenWords).kind, "open");
});
