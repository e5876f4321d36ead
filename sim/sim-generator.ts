import { createHmac } from "node:crypto";
import type { Rewrite } from "../src/core/generator-prompts.ts";
import { createRandom, type Random } from "../src/core/seeded-random.ts";
import { injectErrors } from "./error-injection.ts";
import { type ClosedForm, closedAnswerForm, optionLetters } from "./question-form.ts";
import {
  CLOSING_ENDINGS,
  COLOURS,
  CORNERS,
  LIGHT_ADJECTIVES,
  NUMBER_WORDS,
  OBJECTS,
  POSITIONS,
  pluralOf,
  SIGN_WORDS,
  SIZES,
} from "./scene-vocabulary.ts";
import { DEFAULT_WORLD_KEY, normaliseText, type QualityClass, qualityOf } from "./text-quality.ts";

/**
 * The simulated generator: pure functions that write answers and error-injected rewrites
 * whose hidden quality class is known by construction. The engine serves them; tests and
 * the trainer call them directly to build pairs with known truth.
 */

/** A seed for one generation: any string or number; equal seeds give equal texts. */
export type GenerationSeed = string | number;

const MAX_ATTEMPTS = 256;

/**
 * Deterministic rejection sampling: calls `attempt(i)` until the text's hidden class is
 * `wanted` and `accept` agrees. Each attempt lands in a class with probability 1/2, so this
 * takes about two tries; exhausting the attempts means a bug, so it throws.
 */
export function sampleInClass(
  wanted: QualityClass,
  worldKey: string,
  attempt: (index: number) => string,
  accept: (text: string) => boolean = () => true,
): string {
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    const text = attempt(i);
    if (qualityOf(text, worldKey).class === wanted && accept(text)) return text;
  }
  throw new Error(`simulated generator could not reach the ${wanted} class`);
}

function mentionedObject(question: string): string | undefined {
  const lower = question.toLowerCase();
  return OBJECTS.find((object) => new RegExp(`\\b${object}s?\\b`).test(lower));
}

function sceneDetail(rng: Random, objects: string, other: string): string {
  return rng.pick([
    `The ${objects} are arranged in a loose row.`,
    `Each of the ${objects} faces the same direction.`,
    `The ${other} is partly in shadow.`,
    `Behind them, the background is plain and uncluttered.`,
  ]);
}

/**
 * An answer in the sound class to an open question: a short scene description with counts,
 * colours, objects, positions and sign text (the things a rewrite can get wrong).
 */
export function soundResponse(
  question: string,
  seed: GenerationSeed,
  worldKey: string = DEFAULT_WORLD_KEY,
): string {
  const rng = createRandom("sound", seed, normaliseText(question));
  const object = mentionedObject(question) ?? rng.pick(OBJECTS);
  const objects = pluralOf(object);
  const other = rng.pick(OBJECTS.filter((o) => o !== object));
  const scene =
    `Simulated answer: the image shows ${rng.pick(NUMBER_WORDS.slice(2, 10))} ` +
    `${rng.pick(COLOURS)} ${objects} ${rng.pick(POSITIONS)} a ${rng.pick(SIZES)} ${other}. ` +
    `${sceneDetail(rng, objects, other)} A sign in the ${rng.pick(CORNERS)} corner reads ` +
    `"${rng.pick(SIGN_WORDS)}".`;
  return sampleInClass("sound", worldKey, () => {
    const closing = `The ${rng.pick(LIGHT_ADJECTIVES)} light makes the scene ${rng.pick(CLOSING_ENDINGS)}.`;
    return `${scene} ${closing}`;
  });
}

/** Options of `flawedRewrite`. */
export interface RewriteOptions {
  /** Errors to inject, clamped to 1..5; default 2. */
  errorCount?: number;
  worldKey?: string;
}

/**
 * A rewrite of `original` in the flawed class that differs from it after normalisation,
 * with the injected errors listed. Substitutions keep the length close to the original's;
 * if they cannot reach the flawed class, a false sentence is appended (longer by one
 * sentence).
 */
export function flawedRewrite(
  original: string,
  seed: GenerationSeed,
  options: RewriteOptions = {},
): Rewrite {
  const worldKey = options.worldKey ?? DEFAULT_WORLD_KEY;
  const count = Math.min(5, Math.max(1, Math.round(options.errorCount ?? 2)));
  const base = normaliseText(original);
  let rewrite: Rewrite | undefined;
  sampleInClass(
    "flawed",
    worldKey,
    (i) => {
      const rng = createRandom("rewrite", seed, base, count, i);
      rewrite = injectErrors(original, count, rng, i >= 32);
      return rewrite.text;
    },
    (text) => normaliseText(text) !== base,
  );
  return rewrite!;
}

/**
 * The hidden correct answer to a closed question (a keyed hash of the question, so every
 * replica agrees), or null for an open question. Numbers are "1".."9", options a letter the
 * question offers (A–D when it lists none), yes/no "yes" or "no".
 */
export function hiddenAnswer(
  question: string,
  worldKey: string = DEFAULT_WORLD_KEY,
): string | null {
  const form = closedAnswerForm(question);
  if (!form) return null;
  const mac = createHmac("sha256", worldKey)
    .update(`answer\n${normaliseText(question)}`)
    .digest();
  const h = mac.readUInt32BE(0);
  if (form === "number") return String(1 + (h % 9));
  if (form === "yes_no") return h % 2 === 0 ? "yes" : "no";
  const letters = answerLetters(question);
  return letters[h % letters.length]!;
}

function answerLetters(question: string): string[] {
  const letters = optionLetters(question);
  return letters.length > 0 ? letters : ["A", "B", "C", "D"];
}

function wrongAnswer(form: ClosedForm, question: string, correct: string, rng: Random): string {
  if (form === "yes_no") return correct === "yes" ? "no" : "yes";
  const choices =
    form === "number" ? Array.from({ length: 13 }, (_, n) => String(n)) : answerLetters(question);
  return rng.pick(choices.filter((choice) => choice !== correct));
}

const OPENERS = [
  "Looking at the image,",
  "Scanning the picture from one side to the other,",
  "Checking the scene carefully,",
  "Going over the image once more,",
  "Starting from the foreground,",
  "After a first look at the image,",
  "Focusing on the relevant part of the image,",
  "Taking the whole scene into account,",
] as const;

const CERTAINTIES = [
  "I am fairly confident.",
  "The evidence is clear enough.",
  "This seems the most likely reading.",
  "Nothing in the image contradicts this.",
  "The details support this.",
  "That settles it.",
  "I double-checked this.",
  "This is consistent across the image.",
] as const;

function closedReasoning(form: ClosedForm, rng: Random): string {
  const things = pluralOf(rng.pick(OBJECTS));
  const method = {
    number: `I count the ${things} one at a time.`,
    option: `I compare each option with the ${things} in the image.`,
    yes_no: `I check whether the ${things} match what the question describes.`,
  }[form];
  return `Simulated reasoning: ${rng.pick(OPENERS)} ${method} ${rng.pick(CERTAINTIES)}`;
}

/** One sampled answer to a closed question. */
export interface ClosedSample {
  /** Short reasoning ending "The answer is X."; sound when correct, flawed when not. */
  text: string;
  answer: string;
  correct: boolean;
}

/**
 * One sample for a closed question: correct with probability `accuracy`, else a random
 * wrong answer. Null for an open question. Different seeds give independent samples.
 */
export function closedSample(
  question: string,
  seed: GenerationSeed,
  options: { accuracy: number; worldKey?: string },
): ClosedSample | null {
  const worldKey = options.worldKey ?? DEFAULT_WORLD_KEY;
  const form = closedAnswerForm(question);
  const truth = hiddenAnswer(question, worldKey);
  if (!form || truth === null) return null;
  const rng = createRandom("closed", seed, normaliseText(question));
  const correct = rng.chance(options.accuracy);
  const answer = correct ? truth : wrongAnswer(form, question, truth, rng);
  const text = sampleInClass(
    correct ? "sound" : "flawed",
    worldKey,
    () => `${closedReasoning(form, rng)} The answer is ${answer}.`,
  );
  return { text, answer, correct };
}
