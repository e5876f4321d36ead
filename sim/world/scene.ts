import { createHash } from "node:crypto";
import { createRandom, type Random } from "../../src/core/seeded-random.ts";
import { COLOURS, OBJECTS, SIGN_WORDS } from "./scene-vocabulary.ts";

/**
 * What a simulated image shows. The scene is read from the image's bytes (a keyed hash of
 * them), so anything holding the image — the engine answering a request, the benchmark
 * writer, the simulated fine-tune reading a dataset — sees the same scene, and nobody needs a
 * side channel: the image is the world.
 */

/** The world key every replica uses unless told otherwise. */
export const DEFAULT_WORLD_KEY = "jurist-sim-world";

export const MATERIALS = ["wooden", "metal", "plastic", "glass", "stone"] as const;

/** Relations between two objects, each with the relation that contradicts it. */
export const RELATIONS = [
  "to the left of",
  "to the right of",
  "in front of",
  "behind",
  "on top of",
  "underneath",
] as const;

export interface SceneObject {
  name: string;
  /** 1 to 7. */
  count: number;
  colour: string;
  material: string;
}

export interface Scene {
  /** The key the scene was drawn from (hash of the first image, else of the question). */
  key: string;
  /** Three distinct object kinds present in the image. */
  objects: SceneObject[];
  /** Three object kinds certainly absent (what a hallucination names). */
  absent: string[];
  /** objects[0] stands in this relation to objects[1]. */
  relation: string;
  /** The word on the scene's sign. */
  sign: string;
}

/** The key of the scene a prompt shows: its first image's bytes, else its question. */
export function sceneKey(images: readonly Buffer[], question: string): string {
  const hash = createHash("sha256");
  if (images.length > 0) hash.update("image\n").update(images[0]!);
  else hash.update("question\n").update(question.trim().replace(/\s+/g, " "));
  return hash.digest("hex");
}

function drawDistinct(rng: Random, pool: readonly string[], count: number): string[] {
  const left = [...pool];
  return Array.from({ length: count }, () => left.splice(rng.int(left.length), 1)[0]!);
}

/** The scene of a key under a world key: deterministic, so every party agrees. */
export function sceneOf(key: string, worldKey: string): Scene {
  const rng = createRandom("scene", worldKey, key);
  const names = drawDistinct(rng, OBJECTS, 6);
  const objects = names.slice(0, 3).map((name) => ({
    name,
    count: 1 + rng.int(7),
    colour: rng.pick(COLOURS),
    material: rng.pick(MATERIALS),
  }));
  return {
    key,
    objects,
    absent: names.slice(3),
    relation: rng.pick(RELATIONS),
    sign: rng.pick(SIGN_WORDS),
  };
}

export function objectIn(scene: Scene, name: string): SceneObject | undefined {
  return scene.objects.find((object) => object.name === name);
}
