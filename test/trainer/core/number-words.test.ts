import t from "tap";
import { canonicalNumeral, numberWordsToDigits } from "../../../trainer/core/number-words.ts";

const digits = (text: string) => numberWordsToDigits(text.split(" ")).join(" ");

t.test("zero is a number word", async (t) => {
  t.equal(digits("zero"), "0");
  t.equal(digits("zero apples"), "0 apples");
});

t.test("what may follow a tens word and a scale word", async (t) => {
  t.equal(digits("twenty one"), "21");
  t.equal(digits("twenty hundred"), "2000");
  t.equal(digits("twenty thousand"), "20000");
  t.equal(digits("one thousand two"), "1002");
  t.equal(digits("one thousand twenty"), "1020");
  t.equal(digits("two million thirty five"), "2000035");
});

t.test("a trailing 'and' after hundred is left as a word", async (t) => {
  t.equal(digits("one hundred and"), "100 and");
});

t.test("only whole numerals are made canonical", async (t) => {
  t.equal(canonicalNumeral("1e3"), "1e3");
  t.equal(canonicalNumeral("0x1f"), "0x1f");
  t.equal(canonicalNumeral("0x1"), "0x1");
  t.equal(canonicalNumeral("12abc"), "12abc");
  t.equal(canonicalNumeral(""), "");
  t.equal(canonicalNumeral(" 7"), " 7");
  t.equal(canonicalNumeral("007"), "7");
});
