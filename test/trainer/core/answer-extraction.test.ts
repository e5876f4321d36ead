import t from "tap";
import { extractStatedAnswer } from "../../../sim/world/question-form.ts";
import { cleanAnswer, extractFinalAnswer } from "../../../trainer/core/answer-extraction.ts";

const read = (response: string) => extractFinalAnswer(response);

t.test("explicit statements", async (t) => {
  t.same(read("I count them. The answer is 4."), { answer: "4", via: "statement" });
  t.same(read("So the final answer is (B)."), { answer: "B", via: "statement" });
  t.same(read("The answer is 3.5."), { answer: "3.5", via: "statement" });
  t.same(read("The answer is **B**. It matches."), { answer: "B", via: "statement" });
  t.same(read("Answer: yes"), { answer: "yes", via: "label" });
  t.same(read("Reasoning here.\n**Final Answer:** C"), { answer: "C", via: "label" });
  t.same(read("Thus $\\boxed{12}$"), { answer: "12", via: "boxed" });
  t.same(read("The answer is $\\boxed{7}$."), { answer: "7", via: "statement" });
});

t.test("the last explicit statement wins, whatever its kind", async (t) => {
  t.equal(read("The answer is no. Then again, the answer is yes.")?.answer, "yes");
  t.equal(read("Answer: 3\nOn a recount, the answer is 4.")?.answer, "4");
  t.equal(read("The answer is 4.\nAnswer: 5")?.answer, "5");
});

t.test("layout fallbacks: bold, final short line, a short whole response", async (t) => {
  t.same(read("Counting gives **3** then **4** after a recount"), { answer: "4", via: "bold" });
  t.same(read("Let me look at the image carefully.\nFour"), { answer: "Four", via: "final_line" });
  t.same(read("Yes."), { answer: "Yes", via: "whole" });
});

t.test("descriptions state no short answer", async (t) => {
  t.equal(read("The image shows five red cats beside a wooden table in soft light."), null);
  t.equal(read("Simulated answer: the image shows five red cats beside a table."), null);
  t.equal(read("The answer is that the man walks his dog across the busy street today."), null);
  t.equal(read(""), null);
  const long = "The answer is the man in the blue shirt on the left side.";
  t.equal(read(long), null, "ten words are over the default limit of eight");
  t.same(extractFinalAnswer(long, { maxWords: 12 })?.via, "statement");
});

t.test("agrees with the simulated engine's stated answers", async (t) => {
  for (const response of [
    "Simulated reasoning: I count the cats one at a time. I am fairly confident. The answer is 4.",
    "Simulated reasoning: I compare each option. The answer is C.",
    "the answer is (B).",
    "The answer is no. Then again, the answer is yes.",
  ]) {
    t.equal(read(response)?.answer, extractStatedAnswer(response), response);
  }
});

t.test("cleaning strips wrapping, not content", async (t) => {
  t.equal(cleanAnswer(' "**(B)**". '), "B");
  t.equal(cleanAnswer(": 3.50"), "3.50");
  t.equal(cleanAnswer("[yes]"), "yes");
  t.equal(cleanAnswer("(B) and (C)"), "(B) and (C)");
});

t.test("statement spacing and ending", async (t) => {
  t.same(read("The answer is: 4"), { answer: "4", via: "statement" });
  t.same(read("The answer is:4"), { answer: "4", via: "statement" });
  t.same(read("The answer is:42"), { answer: "42", via: "statement" });
  t.same(read("The answer is 4"), { answer: "4", via: "statement" });
});

t.test('a word that only begins with "is" does not make a statement', async (t) => {
  // "answer isn't" and "answer issue" once read as statements of "n't obvious" and "sue is 4".
  t.same(read("The answer isn't obvious. Let me count."), {
    answer: "The answer isn't obvious. Let me count",
    via: "whole",
  });
  t.same(read("The answer issue is 4"), { answer: "The answer issue is 4", via: "whole" });
  t.same(read("The answer isn't obvious.\nThe answer is 4."), { answer: "4", via: "statement" });
});

t.test("label spacing: before the colon, and none after it", async (t) => {
  t.same(read("Answer : yes"), { answer: "yes", via: "label" });
  t.same(read("Answer:yes"), { answer: "yes", via: "label" });
});

t.test("a bold span in underscores, longer than one character", async (t) => {
  t.same(read("Counting again gives __four__ in the end"), { answer: "four", via: "bold" });
});

t.test("a wrapper is removed only when it encloses the whole answer", async (t) => {
  t.equal(cleanAnswer("\\boxed{42}"), "42");
  t.equal(cleanAnswer("x \\boxed{7}"), "x \\boxed{7}");
  t.equal(cleanAnswer("\\boxed{7} and 8"), "\\boxed{7} and 8");
  t.equal(cleanAnswer("(yes)"), "yes");
  t.equal(cleanAnswer("a [b]"), "a [b]");
  t.equal(cleanAnswer("[a] b"), "[a] b");
});

t.test("cleaning repeats until nothing changes", async (t) => {
  t.equal(cleanAnswer("(**B**)"), "B", "the brackets first, then the emphasis inside them");
});

t.test("the word limit counts words, and a limit of n admits n", async (t) => {
  t.same(extractFinalAnswer("one two", { maxWords: 2 }), { answer: "one two", via: "whole" });
  t.equal(extractFinalAnswer("one two three", { maxWords: 2 }), null);
});

t.test("a boxed answer ending where a statement ends is reported as boxed", async (t) => {
  t.same(read("The answer is \\boxed{7}."), { answer: "7", via: "boxed" });
});

t.test("the final line skips blank and whitespace-only lines", async (t) => {
  t.same(read("I counted.\n\n4\n   \n"), { answer: "4", via: "final_line" });
  t.same(read("First I looked.\nThen I counted.\nThird"), { answer: "Third", via: "final_line" });
});

t.test("a multi-line response whose last line is only decoration states nothing", async (t) => {
  t.equal(read("Yes\n..."), null);
});
