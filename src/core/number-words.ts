/**
 * English number words from zero to nineteen, index = value: the trainer's answer
 * normaliser reads them, the simulated engine writes them.
 */
export const ENGLISH_UNITS = [
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
] as const;
