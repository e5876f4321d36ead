import { createRandom, type Random } from "../src/core/seeded-random.ts";
import { encodePng } from "./png-image.ts";
import { CLOSED_SKILLS, closedQuestion } from "./world/questions.ts";
import { DEFAULT_WORLD_KEY, type Scene, sceneKey, sceneOf } from "./world/scene.ts";

/** One seed prompt as the trainer reads it (`{ id, question, images: [path] }` JSONL). */
export interface SeedPrompt {
  id: string;
  question: string;
  /** File names of the prompt's images, relative to the JSONL file. */
  images: string[];
}

/** The questions seed prompts rotate through: one closed question per skill, then open ones. */
const KINDS = [...CLOSED_SKILLS, "describe", "caption"] as const;

function question(kind: (typeof KINDS)[number], scene: Scene, random: Random): string {
  const object = random.pick(scene.objects).name;
  if (kind === "describe") return `Describe the scene around the ${object} in detail.`;
  if (kind === "caption")
    return `Write a caption for this photo of a ${object} and what is near it.`;
  return closedQuestion(kind, scene, random);
}

/** A small real PNG whose pixels depend on the seed, so every prompt's image hash differs. */
export function seedImage(seed: string): Buffer {
  const random = createRandom("seed-image", seed);
  const [r, g, b] = [random.int(256), random.int(256), random.int(256)];
  return encodePng(16, 16, (x, y) => [(r + x * 9) % 256, (g + y * 7) % 256, (b + x * y) % 256]);
}

/**
 * `count` deterministic seed prompts (a closed question of each skill, then open ones, in
 * rotation) about the scene of each one's generated image `<id>.png`. Same seed, same prompts
 * and bytes.
 */
export function makeSeedPrompts(
  count: number,
  seed: string | number = 0,
  worldKey: string = DEFAULT_WORLD_KEY,
) {
  return Array.from({ length: count }, (_, index) => {
    const random = createRandom("seed-prompt", seed, index);
    const id = `seed_${seed}_${index}`;
    const image = seedImage(id);
    const scene = sceneOf(sceneKey([image], ""), worldKey);
    const prompt: SeedPrompt = {
      id,
      question: question(KINDS[index % KINDS.length]!, scene, random),
      images: [`${id}.png`],
    };
    return { prompt, image };
  });
}
