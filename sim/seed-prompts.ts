import { createRandom, type Random } from "../src/core/seeded-random.ts";
import { encodePng } from "./png-image.ts";
import { COLOURS, OBJECTS } from "./scene-vocabulary.ts";

/** One seed prompt as the trainer reads it (`{ id, question, images: [path] }` JSONL). */
export interface SeedPrompt {
  id: string;
  question: string;
  /** File names of the prompt's images, relative to the JSONL file. */
  images: string[];
}

const plural = (object: string) => (object.endsWith("s") ? object : `${object}s`);

/** Question makers: three closed forms (number, option letter, yes/no) and open ones. */
const QUESTIONS: ((random: Random) => string)[] = [
  (r) => `How many ${plural(r.pick(OBJECTS))} are in the picture? Answer with a number.`,
  (r) => {
    const options = ["A", "B", "C", "D"].map((letter) => `${letter}. ${r.pick(COLOURS)}`);
    return `What colour is the ${r.pick(OBJECTS)}? ${options.join(" ")} Answer with the option letter.`;
  },
  (r) => `Is there a ${r.pick(OBJECTS)} next to the ${r.pick(OBJECTS)}? Answer yes or no.`,
  (r) => `Describe the scene around the ${r.pick(OBJECTS)} in detail.`,
  (r) => `Write a caption for this photo of a ${r.pick(COLOURS)} ${r.pick(OBJECTS)}.`,
];

/** A small real PNG whose pixels depend on the seed, so every prompt's image hash differs. */
export function seedImage(seed: string): Buffer {
  const random = createRandom("seed-image", seed);
  const [r, g, b] = [random.int(256), random.int(256), random.int(256)];
  return encodePng(16, 16, (x, y) => [(r + x * 9) % 256, (g + y * 7) % 256, (b + x * y) % 256]);
}

/**
 * `count` deterministic seed prompts (closed and open questions in rotation), each with one
 * generated image named `<id>.png`. Same seed, same prompts and bytes.
 */
export function makeSeedPrompts(count: number, seed: string | number = 0) {
  return Array.from({ length: count }, (_, index) => {
    const random = createRandom("seed-prompt", seed, index);
    const id = `seed_${seed}_${index}`;
    const prompt: SeedPrompt = {
      id,
      question: QUESTIONS[index % QUESTIONS.length]!(random),
      images: [`${id}.png`],
    };
    return { prompt, image: seedImage(id) };
  });
}
