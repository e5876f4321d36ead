import { formatRewriteOutput } from "../src/core/generator-prompts.ts";
import type { Random } from "../src/core/seeded-random.ts";
import type { Slot } from "../src/core/types.ts";
import { type JudgeProfile, paramsFor } from "./judge-profile.ts";
import type { SimPrompt } from "./prompt-reader.ts";
import type { SimOptions } from "./sim-options.ts";
import {
  closedAnswer,
  type GeneratorProfile,
  openAnswer,
  rewriteAnswer,
} from "./world/generator.ts";
import { decideSimVerdict, simVerdictReasoning } from "./world/judge.ts";
import type { Scene } from "./world/scene.ts";
import { uniformSkills } from "./world/skills.ts";
import { GENERATOR_NOISE } from "./world/world-params.ts";

/** What one sample needs besides its prompt. */
export interface SampleContext {
  profile: JudgeProfile;
  worldKey: string;
  generator: GeneratorProfile;
  invalidRate: number;
  /** Constrained choices (vLLM structured outputs); the output is exactly one of them. */
  choice: string[] | undefined;
  /** The scene the prompt's images show, read once per request however many samples it asks for. */
  scene: () => Scene;
  /** Unique per (sim seed, model, request, sample index): seeds the generator. */
  sampleKey: string;
  rng: Random;
}

/** One sample's text, and the verdict it carries when it is a judgement. */
export interface SampledContent {
  content: string;
  verdict?: { letter: Slot; confidence: number };
}

/** The generator a replica's options describe: its noise level, or one uniform accuracy. */
export function generatorProfile(
  options: Pick<SimOptions, "generatorAccuracy" | "generatorNoise">,
): GeneratorProfile {
  const level = GENERATOR_NOISE[options.generatorNoise];
  if (options.generatorAccuracy === undefined) return level;
  return { ...level, skills: uniformSkills(options.generatorAccuracy) };
}

const UNDECIDED = [
  "As a simulated judge, I cannot decide between Assistant A and Assistant B.",
  "As a simulated judge, I find Assistant A and Assistant B equally hard to rank, so I give no verdict.",
] as const;

function judge(prompt: Extract<SimPrompt, { kind: "judge" }>, ctx: SampleContext): SampledContent {
  const undecided = ctx.rng.chance(ctx.invalidRate);
  const scene = ctx.scene();
  const input = {
    question: prompt.question,
    scene,
    slotA: prompt.slotA,
    slotB: prompt.slotB,
    worldKey: ctx.worldKey,
  };
  const decision = decideSimVerdict(input, paramsFor(ctx.profile, prompt.question), ctx.rng);
  const verdict = { letter: decision.letter, confidence: decision.confidence };
  if (ctx.choice) {
    const content = ctx.choice.includes(decision.letter)
      ? decision.letter
      : ctx.rng.pick(ctx.choice);
    return content === decision.letter ? { content, verdict } : { content };
  }
  if (undecided) return { content: ctx.rng.pick(UNDECIDED) };
  return { content: simVerdictReasoning(decision, prompt.slotA, prompt.slotB), verdict };
}

function generate(prompt: SimPrompt, ctx: SampleContext): string {
  const scene = ctx.scene();
  switch (prompt.kind) {
    case "rewrite":
      return formatRewriteOutput(
        rewriteAnswer(prompt.original, prompt.errorCount, ctx.generator, ctx.rng),
      );
    case "closed": {
      const sample = closedAnswer(prompt.question, scene, ctx.generator, ctx.rng);
      if (sample) return sample.text;
      return openAnswer(scene, ctx.generator, ctx.rng);
    }
    default:
      return openAnswer(scene, ctx.generator, ctx.rng);
  }
}

/**
 * One sample for a prompt: a verdict for a judge prompt (the named letter alone under a
 * choice constraint, reasoning then `[[X]]` otherwise, or no marker with probability
 * invalidRate), else the generator's text. A choice constraint on a non-judge prompt picks
 * one of the choices.
 */
export function sampleContent(prompt: SimPrompt, ctx: SampleContext): SampledContent {
  if (prompt.kind === "judge") return judge(prompt, ctx);
  if (ctx.choice) return { content: ctx.rng.pick(ctx.choice) };
  return { content: generate(prompt, ctx) };
}
