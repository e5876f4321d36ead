import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { makeSeedPrompts } from "./seed-prompts.ts";
import { startSimServer } from "./sim-server.ts";
import { pairTruth } from "./world/pair-truth.ts";
import { goldAnswer } from "./world/questions.ts";
import { DEFAULT_WORLD_KEY } from "./world/scene.ts";
import { BASE_JUDGE, GENERATOR_NOISE, type GeneratorNoise } from "./world/world-params.ts";
import { promptScene } from "./world/world-view.ts";

/**
 * The simulated world as an experiment uses it (`jurist experiment`): replicas serving the
 * world's base judge and generator, seed prompts about its scenes, the base judge as a file
 * the simulated fine-tune starts from, and the truth that only the `gold` arm and
 * label-precision measurement may read.
 */

/** The parameters of one run of the world, as experiment.json records them. */
export function worldParameters(noise: GeneratorNoise) {
  return {
    world_key: DEFAULT_WORLD_KEY,
    generator_noise: noise,
    generator: GENERATOR_NOISE[noise],
    base_judge: BASE_JUDGE,
  };
}

export function isGeneratorNoise(name: string): name is GeneratorNoise {
  return Object.hasOwn(GENERATOR_NOISE, name);
}

/** Replicas of the world's base model at one generator noise level. */
export async function startWorldReplicas(options: {
  replicas: number;
  seed: number;
  noise: GeneratorNoise;
  modelId?: string;
}) {
  const servers = await Promise.all(
    Array.from({ length: options.replicas }, (_, index) =>
      startSimServer({
        seed: options.seed + index,
        ...(options.modelId ? { modelId: options.modelId } : {}),
        accuracy: 0.5,
        skillAccuracy: BASE_JUDGE.skills,
        positionBias: BASE_JUDGE.positionBias,
        lengthBias: BASE_JUDGE.lengthBias,
        capacity: BASE_JUDGE.capacity ?? {},
        generatorNoise: options.noise,
      }),
    ),
  );
  return {
    urls: servers.map((server) => server.url),
    close: async () => {
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}

/** Writes `n` seed prompts (JSONL + PNGs) into `dir`; returns the JSONL's path. */
export async function writeWorldPrompts(dir: string, n: number, seed: string): Promise<string> {
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  const prompts = makeSeedPrompts(n, seed);
  for (const { prompt, image } of prompts) await writeFile(join(root, prompt.images[0]!), image);
  const file = join(root, "prompts.jsonl");
  await writeFile(file, prompts.map(({ prompt }) => `${JSON.stringify(prompt)}\n`).join(""));
  return file;
}

/** Writes the base judge as an adapter file for `jurist sim fine-tune --base-profile`. */
export async function writeBaseProfile(path: string): Promise<string> {
  const judge = {
    skills: BASE_JUDGE.skills,
    position_bias: BASE_JUDGE.positionBias,
    length_bias: BASE_JUDGE.lengthBias,
    capacity: BASE_JUDGE.capacity,
  };
  await writeFile(
    path,
    `${JSON.stringify({ simulated: true, simulated_judge: judge }, null, 2)}\n`,
  );
  return path;
}

/** The gold answer of a closed question about these images (the `gold` arm's labeller). */
export function worldGoldAnswer(question: string, images: readonly Buffer[]): string | null {
  return goldAnswer(question, promptScene(images, question, DEFAULT_WORLD_KEY));
}

/** The truth about a pair's label: 1 chosen truly better, −1 worse, 0 a tie (label precision). */
export function worldLabelTruth(
  question: string,
  images: readonly Buffer[],
  chosen: string,
  rejected: string,
): -1 | 0 | 1 {
  return pairTruth(question, promptScene(images, question, DEFAULT_WORLD_KEY), chosen, rejected);
}
