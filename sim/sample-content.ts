import { formatRewriteOutput } from "../src/core/generator-prompts.ts";
import type { Random } from "../src/core/seeded-random.ts";
import type { Slot } from "../src/core/types.ts";
import type { SimPrompt } from "./prompt-reader.ts";
import { closedSample, flawedRewrite, soundResponse } from "./sim-generator.ts";
import {
  accuracyFor,
  decideVerdict,
  type JudgeProfile,
  judgeReasoning,
  undecidedReasoning,
} from "./sim-judge.ts";

/** What one sample needs besides its prompt. */
export interface SampleContext {
  profile: JudgeProfile;
  worldKey: string;
  generatorAccuracy: number;
  invalidRate: number;
  /** Constrained choices (vLLM structured outputs); the output is exactly one of them. */
  choice: string[] | undefined;
  /** Unique per (sim seed, model, request, sample index): seeds the generator. */
  sampleKey: string;
  rng: Random;
}

/** One sample's text, and the verdict it carries when it is a judgement. */
export interface SampledContent {
  content: string;
  verdict?: { letter: Slot; confidence: number };
}

function judge(prompt: Extract<SimPrompt, { kind: "judge" }>, ctx: SampleContext): SampledContent {
  const undecided = ctx.rng.chance(ctx.invalidRate);
  const profile = { ...ctx.profile, accuracy: accuracyFor(ctx.profile, prompt.question) };
  const decision = decideVerdict(prompt.slotA, prompt.slotB, profile, ctx.worldKey, ctx.rng);
  const verdict = { letter: decision.letter, confidence: decision.confidence };
  if (ctx.choice) {
    const content = ctx.choice.includes(decision.letter)
      ? decision.letter
      : ctx.rng.pick(ctx.choice);
    return content === decision.letter ? { content, verdict } : { content };
  }
  if (undecided) return { content: undecidedReasoning(ctx.rng) };
  return { content: judgeReasoning(decision, prompt.slotA, prompt.slotB, ctx.rng), verdict };
}

function generate(prompt: SimPrompt, ctx: SampleContext): string {
  switch (prompt.kind) {
    case "rewrite": {
      const rewrite = flawedRewrite(prompt.original, ctx.sampleKey, {
        errorCount: prompt.errorCount,
        worldKey: ctx.worldKey,
      });
      return formatRewriteOutput(rewrite);
    }
    case "closed": {
      const options = { accuracy: ctx.generatorAccuracy, worldKey: ctx.worldKey };
      const sample = closedSample(prompt.question, ctx.sampleKey, options);
      return sample ? sample.text : soundResponse(prompt.question, ctx.sampleKey, ctx.worldKey);
    }
    default:
      return soundResponse(prompt.question, ctx.sampleKey, ctx.worldKey);
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
