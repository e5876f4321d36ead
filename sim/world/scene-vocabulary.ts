/**
 * The words of the simulated world: the objects, colours, counts and sign words its scenes
 * and the claims about them are made of.
 */

import { ENGLISH_UNITS } from "../../src/core/number-words.ts";

export const OBJECTS = [
  "dog",
  "cat",
  "bicycle",
  "car",
  "bench",
  "tree",
  "lamp",
  "chair",
  "boat",
  "bird",
  "cup",
  "book",
  "horse",
  "kite",
  "clock",
  "bottle",
  "flower",
  "duck",
  "table",
  "truck",
] as const;

export const COLOURS = [
  "red",
  "blue",
  "green",
  "yellow",
  "white",
  "black",
  "orange",
  "purple",
  "brown",
  "grey",
  "pink",
] as const;

/** The counts simulated scenes use: zero to twelve. */
export const NUMBER_WORDS = ENGLISH_UNITS.slice(0, 13);

export const SIGN_WORDS = [
  "OPEN",
  "CLOSED",
  "EXIT",
  "STOP",
  "SALE",
  "CAFE",
  "PARK",
  "HOTEL",
  "BAKERY",
  "NORTH",
] as const;

/** English plural of a vocabulary noun. */
export function pluralOf(noun: string): string {
  return /(?:ch|sh|s|x)$/.test(noun) ? `${noun}es` : `${noun}s`;
}
