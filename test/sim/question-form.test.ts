import t from "tap";
import {
  closedAnswerForm,
  extractStatedAnswer,
  optionLetters,
} from "../../sim/world/question-form.ts";

t.test("closed forms", async (t) => {
  t.equal(closedAnswerForm("How many dogs are in the picture?"), "number");
  t.equal(closedAnswerForm("Answer with a number: what is the total?"), "number");
  t.equal(closedAnswerForm("Is there a red car?"), "yes_no");
  t.equal(closedAnswerForm("Does the sign say STOP? Answer yes or no."), "yes_no");
  t.equal(closedAnswerForm("Which fruit is shown?\nA. apple\nB. pear\nC. plum"), "option");
  t.equal(closedAnswerForm("How many cats? (A) 1 (B) 2"), "option", "options win over numbers");
  t.equal(closedAnswerForm("Is the cup red or blue?"), null, "an either-or question is open");
  t.equal(closedAnswerForm("Describe the scene in detail."), null);
  t.equal(closedAnswerForm("What is the man doing?"), null);
});

t.test("option letters are consecutive labels from A", async (t) => {
  t.same(optionLetters("A. one B. two C. three"), ["A", "B", "C"]);
  t.same(optionLetters("(A) x (B) y (D) z"), ["A", "B"]);
  t.same(optionLetters("Plan B. is fine"), []);
});

t.test("stated answers", async (t) => {
  t.equal(extractStatedAnswer("I count them. The answer is 4."), "4");
  t.equal(extractStatedAnswer("the answer is (B)."), "B");
  t.equal(extractStatedAnswer("The answer is 3.5."), "3.5");
  t.equal(extractStatedAnswer("The answer is no. Then again, the answer is yes."), "yes");
  t.equal(extractStatedAnswer("No verdict here."), null);
  t.equal(extractStatedAnswer("The answer isn't obvious."), null, "a word that begins with is");
  t.equal(extractStatedAnswer("The answer issue is 4."), null);
});
