import type { GeneratorProfile } from "./generator.ts";
import type { JudgeParams } from "./judge.ts";

/**
 * The simulated world's published-figure defaults. Each number's source is in
 * docs/simulator.md ("Where the world's numbers come from"); those marked *assumed* have no
 * published figure we could read. The pipeline never sees these: replicas are started with
 * them, and only the benchmark writer and label-precision measurement read the truth.
 */

/**
 * The ~11B generator (Llama-3.2-11B-Vision-Instruct's model card): attributes ≈ VQAv2 75.2,
 * text ≈ TextVQA 73.1, reasoning ≈ MathVista 51.5 / MMMU 50.7, existence ≈ POPE of 7–8B VLMs
 * (0.83–0.90, a stand-in); counting 0.65 and spatial 0.60 assumed.
 */
export const GENERATOR_SKILLS = {
  counting: 0.65,
  attributes: 0.75,
  spatial: 0.6,
  text: 0.73,
  existence: 0.85,
  reasoning: 0.5,
  safety: 0.5,
} as const;

/** Two noise levels of the generator: as published, and a noisier one (assumed). */
export const GENERATOR_NOISE = {
  low: {
    skills: { ...GENERATOR_SKILLS },
    openErrorScale: 0.5,
    distractorShare: 0.6,
    rewriteNoError: 0.1,
    rewriteUncheckable: 0.15,
    rewriteLonger: 0.3,
  },
  high: {
    skills: Object.fromEntries(
      Object.entries(GENERATOR_SKILLS).map(([skill, p]) => [skill, Math.max(0.3, p - 0.2)]),
    ) as unknown as GeneratorProfile["skills"],
    openErrorScale: 0.8,
    distractorShare: 0.7,
    rewriteNoError: 0.3,
    rewriteUncheckable: 0.3,
    rewriteLonger: 0.5,
  },
} as const satisfies Record<string, GeneratorProfile>;

export type GeneratorNoise = keyof typeof GENERATOR_NOISE;

/**
 * The base judge, set so that on the simulated VL-RewardBench it lands near the paper's base
 * (Llama-3.2-11B, 0.38 overall; the public leaderboard has 0.333 / 0.384 / 0.566 by category)
 * and below chance on safety (Multimodal RewardBench leaderboard: 0.355). Position bias is
 * assumed (Zheng et al. 2023 saw GPT-4 favour the first answer in 30% of inconsistent pairs,
 * weaker models more); the length bias (prefers longer) is assumed from the same paper's
 * verbosity attack and VL-RewardBench's observation that judges prefer detailed hallucinations.
 */
export const BASE_JUDGE: JudgeParams = {
  skills: {
    counting: 0.55,
    attributes: 0.58,
    spatial: 0.52,
    text: 0.6,
    existence: 0.5,
    reasoning: 0.58,
    safety: 0.35,
  },
  positionBias: 0.2,
  lengthBias: 1,
  // Assumed: what an ~11B VLM's vision can deliver per skill at best (counting and spatial
  // relations are its known weak spots; safety is a matter of policy, not eyesight).
  capacity: {
    counting: 0.6,
    attributes: 0.8,
    spatial: 0.5,
    text: 0.75,
    existence: 0.8,
    reasoning: 0.5,
    safety: 1,
  },
};
