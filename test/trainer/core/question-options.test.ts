import fc from "fast-check";
import t from "tap";
import { optionLetters } from "../../../sim/world/question-form.ts";
import { parseOptions } from "../../../trainer/core/question-options.ts";

t.test("options with their texts, in every label style", async (t) => {
  t.same(parseOptions("Which fruit?\nA. apple\nB. pear\nC. plum"), [
    { letter: "A", text: "apple" },
    { letter: "B", text: "pear" },
    { letter: "C", text: "plum" },
  ]);
  t.same(parseOptions("How many cats? (A) 1 (B) 2"), [
    { letter: "A", text: "1" },
    { letter: "B", text: "2" },
  ]);
  t.same(parseOptions("Pick one: A) the red car B) a blue bus"), [
    { letter: "A", text: "the red car" },
    { letter: "B", text: "a blue bus" },
  ]);
  t.same(parseOptions("A: yes\nB: no"), [
    { letter: "A", text: "yes" },
    { letter: "B", text: "no" },
  ]);
});

t.test("a trailing instruction on the last option's line is not option text", async (t) => {
  const question =
    "What colour is the cup? A. red B. blue C. green D. grey Answer with the option letter.";
  t.same(
    parseOptions(question).map((o) => o.text),
    ["red", "blue", "green", "grey"],
  );
});

t.test("only the last option loses an instruction; a label may follow a label", async (t) => {
  t.same(parseOptions("A. Then Answer with care B. no"), [
    { letter: "A", text: "Then Answer with care" },
    { letter: "B", text: "no" },
  ]);
  t.same(
    parseOptions("Which? A. red B. blue  Answer with the letter.").map((o) => o.text),
    ["red", "blue"],
  );
  t.same(parseOptions("Which one? (A) (B) blue"), [
    { letter: "A", text: "" },
    { letter: "B", text: "blue" },
  ]);
});

t.test("no options unless two consecutive letters from A", async (t) => {
  t.same(parseOptions("Plan B. is fine"), []);
  t.same(parseOptions("(A) x (C) y"), []);
  t.same(parseOptions("A. only one"), []);
  t.same(parseOptions("Describe the image."), []);
});

t.test("the letters agree with the simulated engine's rule on any text", async () => {
  const token = fc.constantFrom(
    "A.",
    "B.",
    "(C)",
    "D)",
    "E:",
    "x",
    "Plan",
    "\n",
    "(",
    "B)",
    "A)",
    "is",
  );
  const question = fc.array(token, { maxLength: 12 }).map((parts) => `${parts.join(" ")} `);
  fc.assert(
    fc.property(question, (text) => {
      const ours = parseOptions(text).map((option) => option.letter);
      return JSON.stringify(ours) === JSON.stringify(optionLetters(text));
    }),
  );
});

t.test("an option's text stops at the end of its line, or at a label before it", async (t) => {
  t.same(parseOptions("A. yes\nB. no\nThank you."), [
    { letter: "A", text: "yes" },
    { letter: "B", text: "no" },
  ]);
  t.same(parseOptions("A. red\nsome note\nB. blue"), [
    { letter: "A", text: "red" },
    { letter: "B", text: "blue" },
  ]);
  t.same(parseOptions("Which? A. red B. blue\nC. green"), [
    { letter: "A", text: "red" },
    { letter: "B", text: "blue" },
    { letter: "C", text: "green" },
  ]);
});

t.test("a label at the start of a line right after an empty label", async (t) => {
  t.same(parseOptions("A.\nB. y"), [
    { letter: "A", text: "" },
    { letter: "B", text: "y" },
  ]);
});
