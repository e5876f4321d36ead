import fc from "fast-check";
import t from "tap";
import {
  type AnswerContext,
  answerContext,
  finalAnswer,
  normaliseAnswer,
  normaliseText,
} from "../../../trainer/core/answer-normalisation.ts";
import { canonicalNumeral, numberWordsToDigits } from "../../../trainer/core/number-words.ts";
import { classifyQuestion } from "../../../trainer/core/question-classifier.ts";

const generic: AnswerContext = { options: [], form: null };
const numberForm: AnswerContext = { options: [], form: "number" };
const yesNo: AnswerContext = { options: [], form: "yes_no" };
const question =
  "Which vehicle is parked? A. the red car B. a blue bus C. green truck Answer with the letter.";
const options = answerContext(question, classifyQuestion(question));

t.test("case, punctuation, articles and whitespace", async (t) => {
  t.equal(normaliseText("  The RED   car! "), "red car");
  t.equal(normaliseText("An apple, a pear."), "apple pear");
  t.equal(normaliseText("t-shirt"), "t shirt");
  t.equal(normaliseAnswer('"The Red Car."', generic), "red car");
  t.equal(normaliseAnswer("  ", generic), null);
  t.equal(normaliseAnswer("!!!", generic), null);
});

t.test("option letter vs option text", async (t) => {
  t.same(
    options.options.map((o) => o.letter),
    ["A", "B", "C"],
  );
  for (const answer of [
    "b",
    "B",
    "(B)",
    "B.",
    "B) a blue bus",
    "Option B",
    "a blue bus",
    "Blue bus",
    "the BLUE bus.",
  ]) {
    t.equal(normaliseAnswer(answer, options), "B", answer);
  }
  t.equal(
    normaliseAnswer("B) the red car", options),
    "B",
    "a named letter wins over mismatched text",
  );
  t.equal(normaliseAnswer("a red car", options), "A", "the article 'a' is not the letter A");
  t.equal(normaliseAnswer("D", options), "d", "a letter the question does not offer is text");
  t.equal(normaliseAnswer("a yellow van", options), "yellow van");
  const lettersOnly = { options: [], form: "option" as const };
  t.equal(normaliseAnswer("(c)", lettersOnly), "C", "no listed options: any letter A–H");
});

t.test("numbers as words or digits", async (t) => {
  const same = (a: string, b: string, context = numberForm) =>
    t.equal(normaliseAnswer(a, context), normaliseAnswer(b, context), `${a} ~ ${b}`);
  same("three", "3");
  same("Twenty-one", "21");
  same("twenty one", "21");
  same("3.0", "3");
  same("03", "3");
  same("1,000", "1000");
  same("one thousand", "1000");
  same("one hundred and five", "105");
  same("There are 3 dogs.", "3");
  same("three dogs", "3 dogs", generic);
  same("none", "0");
  t.equal(normaliseAnswer("3 or 4", numberForm), "3 or 4", "two numbers stay text");
  t.equal(normaliseAnswer("3.5", numberForm), "3.5");
  t.equal(normaliseAnswer("-2", numberForm), "-2");
  t.equal(normaliseText("50%"), normaliseText("50 per cent"));
});

t.test("yes/no synonyms", async (t) => {
  for (const answer of ["Yes", "yes, there is", "Yeah.", "yep"]) {
    t.equal(normaliseAnswer(answer, generic), "yes");
  }
  for (const answer of ["No", "No, it is not.", "nope"]) {
    t.equal(normaliseAnswer(answer, generic), "no");
  }
  t.equal(normaliseAnswer("Correct", yesNo), "yes");
  t.equal(normaliseAnswer("false", yesNo), "no");
  t.equal(
    normaliseAnswer("correct", generic),
    "correct",
    "weak synonyms only for yes/no questions",
  );
});

t.test("final answers: extract then normalise", async (t) => {
  t.equal(finalAnswer("I count. The answer is three.", numberForm), "3");
  t.equal(finalAnswer("Looking closely... Answer: **(B)**", options), "B");
  t.equal(
    finalAnswer("The image shows a long scene with many details and colours.", generic),
    null,
  );
});

t.test("number words: runs, boundaries, canonical numerals", async (t) => {
  t.same(numberWordsToDigits(["one", "two"]), ["1", "2"], "two units are two numbers");
  t.same(numberWordsToDigits(["twenty", "one", "cats"]), ["21", "cats"]);
  t.same(numberWordsToDigits(["two", "hundred", "thousand"]), ["200000"]);
  t.same(numberWordsToDigits(["and", "one"]), ["and", "1"]);
  t.same(numberWordsToDigits(["hundred"]), ["hundred"]);
  t.equal(canonicalNumeral("2.50"), "2.5");
  t.equal(canonicalNumeral("abc"), "abc");
  t.equal(canonicalNumeral("123456789012345678901"), "123456789012345678901");
});

const UNITS = [
  "zero",
  "one",
  "two",
  "three",
  "four",
  "five",
  "six",
  "seven",
  "eight",
  "nine",
  "ten",
  "eleven",
  "twelve",
  "thirteen",
  "fourteen",
  "fifteen",
  "sixteen",
  "seventeen",
  "eighteen",
  "nineteen",
];
const TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

function spell(n: number): string {
  if (n < 20) return UNITS[n]!;
  if (n < 100) return TENS[Math.floor(n / 10)]! + (n % 10 ? `-${UNITS[n % 10]}` : "");
  const rest = n % 100 ? ` and ${spell(n % 100)}` : "";
  return `${UNITS[Math.floor(n / 100)]} hundred${rest}`;
}

t.test("any spelled number below 1000 normalises to its digits", async (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 999 }),
      (n) => normaliseAnswer(spell(n), numberForm) === String(n),
    ),
  );
  t.pass("property held");
});

t.test("normalisation is idempotent", async (t) => {
  fc.assert(
    fc.property(fc.string(), (text) => normaliseText(normaliseText(text)) === normaliseText(text)),
  );
  t.pass("property held");
});

t.test("every yes/no word and synonym", async (t) => {
  for (const word of ["yes", "yeah", "yep", "yup"]) t.equal(normaliseAnswer(word, generic), "yes");
  for (const word of ["no", "nope", "nah"]) t.equal(normaliseAnswer(word, generic), "no");
  for (const word of ["true", "correct", "right", "affirmative", "certainly", "indeed"]) {
    t.equal(normaliseAnswer(word, yesNo), "yes", word);
    t.equal(normaliseAnswer(word, generic), word, `${word} outside a yes/no question`);
  }
  for (const word of ["false", "incorrect", "wrong", "negative"]) {
    t.equal(normaliseAnswer(word, yesNo), "no", word);
    t.equal(normaliseAnswer(word, generic), word, `${word} outside a yes/no question`);
  }
  t.equal(normaliseAnswer("maybe", yesNo), "maybe");
});

t.test("letter answers: the whole answer must be the letter form", async (t) => {
  t.equal(normaliseAnswer("(B) pear", options), "B");
  t.equal(normaliseAnswer("Option  B", options), "B");
  t.equal(normaliseAnswer("cab", options), "cab");
  t.equal(normaliseAnswer("b)c", options), "b c");
  t.equal(normaliseAnswer("b.x", options), "b x");
  t.equal(normaliseAnswer("b", generic), "b");
});

t.test("an answer that normalises to nothing names no option", async (t) => {
  const odd: AnswerContext = { options: [{ letter: "A", text: "?" }], form: "option" };
  t.equal(normaliseAnswer("!!!", odd), null);
});

t.test("percent signs, symbols, full stops and hyphens become spaces", async (t) => {
  t.equal(normaliseText("50%"), "50 percent");
  t.equal(normaliseText("red/car"), "red car");
  t.equal(normaliseText("red.car"), "red car");
  t.equal(normaliseText("3-4"), "3 4");
  t.equal(normaliseText("x-4"), "x 4");
  t.equal(normaliseText("-4"), "-4");
});

t.test("the one number of a number answer", async (t) => {
  t.equal(normaliseAnswer("12 apples", numberForm), "12");
  t.equal(normaliseAnswer("2.25 litres", numberForm), "2.25");
  t.equal(normaliseAnswer("3 boxes in row b2", numberForm), "3");
  t.equal(normaliseAnswer("3 on the 2nd shelf", numberForm), "3");
  t.equal(normaliseAnswer("many", numberForm), "many");
  t.equal(normaliseAnswer("none, 3 or 4", numberForm), "none 3 or 4");
  t.equal(normaliseAnswer("No dogs", numberForm), "0");
  t.equal(normaliseAnswer("None", numberForm), "0");
});
