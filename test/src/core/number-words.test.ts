import t from "tap";
import { ENGLISH_UNITS } from "../../../src/core/number-words.ts";

t.test("the words for zero to nineteen, each at the index of its value", async (t) => {
  t.same(ENGLISH_UNITS, [
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
  ]);
  t.equal(ENGLISH_UNITS.indexOf("seven"), 7);
});
