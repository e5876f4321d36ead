import { seedImage } from "../../sim/seed-prompts.ts";
import { describeScene } from "../../sim/world/generator.ts";
import { pairTruth } from "../../sim/world/pair-truth.ts";
import { type CLOSED_SKILLS, closedQuestion, goldAnswer } from "../../sim/world/questions.ts";
import { DEFAULT_WORLD_KEY, type Scene, sceneKey, sceneOf } from "../../sim/world/scene.ts";
import { createRandom } from "../../src/core/seeded-random.ts";
import type { ResolvedImage } from "../../src/core/types.ts";

/**
 * Test-side access to the simulated world: scenes of images or questions, pairs whose better
 * response is known by construction, and the world's truth about a pair, read the way the
 * simulated judge and the fine-tune read it (claims checked against the scene).
 */

export { pairTruth };

/** A real PNG whose bytes (and so whose scene) depend on the seed. */
export const worldImage = (seed: string): Buffer => seedImage(`test-world:${seed}`);

/** The scene a prompt with these images (else this question) shows. */
export function sceneFor(
  images: readonly Buffer[],
  question: string,
  worldKey = DEFAULT_WORLD_KEY,
): Scene {
  return sceneOf(sceneKey(images, question), worldKey);
}

/** An image as the gateway resolves it (a data URI the engine decodes). */
export function resolvedImage(bytes: Buffer): ResolvedImage {
  return {
    sha256: "",
    mime: "image/png",
    dataUri: `data:image/png;base64,${bytes.toString("base64")}`,
    byteLength: bytes.length,
  };
}

/**
 * A true description of the scene and the same description with exactly one claim made
 * false (one checkable skill), as the simulated benchmark writes them.
 */
export function describedPair(scene: Scene, seed: string): { better: string; worse: string } {
  const better = describeScene(scene, 0, createRandom("test-describe", seed));
  const worse = describeScene(scene, 1, createRandom("test-describe", seed));
  return { better, worse };
}

export type ClosedSkill = (typeof CLOSED_SKILLS)[number];

/** Another answer of the same form as `gold`: the other of yes/no, another letter or count. */
export function wrongAnswerTo(gold: string, seed: string): string {
  if (gold === "yes" || gold === "no") return gold === "yes" ? "no" : "yes";
  if (/^[A-D]$/.test(gold)) {
    const others = ["A", "B", "C", "D"].filter((l) => l !== gold);
    return createRandom("test-wrong", seed).pick(others);
  }
  const n = Number(gold);
  return String(n === 0 ? 1 : createRandom("test-wrong", seed).chance(0.5) ? n + 1 : n - 1);
}

/** A closed question of `skill` about the scene, with a right and a wrong answer to it. */
export function closedPair(scene: Scene, skill: ClosedSkill, seed: string) {
  const question = closedQuestion(skill, scene, createRandom("test-closed", seed));
  const gold = goldAnswer(question, scene);
  if (gold === null) throw new Error(`the scene does not settle ${question}`);
  const say = (answer: string) =>
    `Simulated reasoning: I check the ${skill} the question asks about. The answer is ${answer}.`;
  const wrong = wrongAnswerTo(gold, seed);
  return { question, gold, wrong, better: say(gold), worse: say(wrong) };
}
