/**
 * The words simulated responses are made of. Error injection edits exactly these words
 * (counts, attributes, objects, spatial relations, text in the image), so a rewrite of a
 * simulated response always has something visually checkable to get wrong.
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

export const SIZES = ["small", "large", "tall", "narrow", "wide", "low"] as const;

/** The counts simulated scenes use: zero to twelve. */
export const NUMBER_WORDS = ENGLISH_UNITS.slice(0, 13);

/** Spatial phrases and the phrase that contradicts each. */
export const SPATIAL_OPPOSITES: Readonly<Record<string, string>> = {
  "in front of": "behind",
  behind: "in front of",
  "on top of": "underneath",
  underneath: "on top of",
  left: "right",
  right: "left",
  above: "below",
  below: "above",
  top: "bottom",
  bottom: "top",
};

export const POSITIONS = [
  "to the left of",
  "to the right of",
  "in front of",
  "behind",
  "next to",
  "on top of",
] as const;

export const CORNERS = ["top left", "top right", "bottom left", "bottom right"] as const;

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

/** Closing-clause parts varied until a text's hidden quality lands in the wanted class. */
export const LIGHT_ADJECTIVES = [
  "soft",
  "bright",
  "even",
  "warm",
  "natural",
  "clear",
  "diffuse",
  "gentle",
] as const;

export const CLOSING_ENDINGS = [
  "easy to read",
  "simple to describe",
  "clear at a glance",
  "straightforward to follow",
  "pleasant to look at",
  "easy to take in",
  "calm and legible",
  "well defined",
] as const;

/** English plural of a vocabulary noun. */
export function pluralOf(noun: string): string {
  return /(?:ch|sh|s|x)$/.test(noun) ? `${noun}es` : `${noun}s`;
}
