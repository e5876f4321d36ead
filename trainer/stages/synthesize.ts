import {
  GENERATOR_PROMPT_VERSION,
  type InjectedError,
  renderAnswerPrompt,
  renderRewritePrompt,
} from "../../src/core/generator-prompts.ts";
import type { ResolvedImage } from "../../src/core/types.ts";
import { budgetRefusal } from "../../src/images/budgeted-image.ts";
import { answerContext, normaliseAnswer } from "../core/answer-normalisation.ts";
import { type ClosedVote, voteOnSamples } from "../core/closed-vote.ts";
import { CLOSED_SAMPLING, DEFAULT_MIN_VOTES, type VoteTally } from "../core/majority-vote.ts";
import type { QuestionClass } from "../core/question-classifier.ts";
import { confirmByAnswers } from "../core/question-confirmation.ts";
import { validateRewrite } from "../core/rewrite-validation.ts";
import { seededIndex } from "../core/seeded-hash.ts";
import { pairIdOf, type SyntheticPair } from "../core/synthetic-pair.ts";
import { runBounded } from "../io/bounded-pool.ts";
import { loadImages } from "../io/image-files.ts";
import { openJournal, readRecords } from "../io/record-journal.ts";
import { createWriteBehind } from "../io/write-behind.ts";
import { untilAdmitted } from "./admitted-call.ts";
import { CLASSIFY_FILE, type ClassifiedPrompt } from "./classify.ts";
import {
  currentLimit,
  type IterationContext,
  itemLimit,
  requestSeed,
  stageFile,
} from "./iteration-context.ts";

/** Sampling of open originals and rewrites (PAPER.md leaves it open). */
export const OPEN_SAMPLING = { temperature: 0.7, topP: 0.9, maxTokens: 1024 } as const;
/** Tokens a closed sample may use. */
export const CLOSED_MAX_TOKENS = 512;
/** Errors a rewrite injects, drawn per prompt by seed. */
export const REWRITE_ERRORS = { min: 1, max: 3 } as const;
/** Attempts per engine call before the prompt is skipped as `engine_error`. */
const ENGINE_ATTEMPTS = 3;

/** One prompt's synthesis outcome, keyed by prompt id. */
export type SynthesisRecord =
  | {
      id: string;
      outcome: "pair";
      /** The final class (after confirmation by the sampled answers). */
      cls: QuestionClass;
      pair: SyntheticPair;
      imagePaths: string[];
      votes?: VoteTally;
      /** The normalised gold answer (`closedLabels: "gold"`). */
      gold?: string;
      injectedErrors?: InjectedError[];
    }
  | { id: string; outcome: "skip"; cls: QuestionClass; reason: string; detail: string };

export const SYNTHESIZE_FILE = "synthesize.jsonl";

type Outcome =
  | { kind: "pair"; chosen: string; rejected: string; extra: Record<string, unknown> }
  | { kind: "skip"; reason: string; detail: string };

async function complete(
  ctx: IterationContext,
  request: Parameters<ReturnType<IterationContext["engine"]["session"]>["complete"]>[0],
): Promise<string[]> {
  let last: unknown;
  for (let attempt = 0; attempt < ENGINE_ATTEMPTS; attempt++) {
    try {
      const completions = await untilAdmitted(
        () =>
          ctx.engine
            .session(ctx.generator, { priority: "batch", work: "trainer" })
            .complete(request, ctx.signal),
        ctx.signal,
      );
      return completions.map((c) => c.text);
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      last = error;
    }
  }
  throw last;
}

async function openRecipe(
  ctx: IterationContext,
  prompt: ClassifiedPrompt,
  images: ResolvedImage[],
): Promise<Outcome> {
  const [original] = await complete(ctx, {
    messages: renderAnswerPrompt({ question: prompt.question, images }),
    maxTokens: OPEN_SAMPLING.maxTokens,
    temperature: OPEN_SAMPLING.temperature,
    topP: OPEN_SAMPLING.topP,
    seed: requestSeed(ctx, prompt.id, "original"),
    topLogprobs: 0,
  });
  if (!original?.trim()) return { kind: "skip", reason: "empty_original", detail: "" };
  const span = REWRITE_ERRORS.max - REWRITE_ERRORS.min + 1;
  const errorCount =
    REWRITE_ERRORS.min + seededIndex(span, "errors", ctx.seed, ctx.iteration, prompt.id);
  const [output] = await complete(ctx, {
    messages: renderRewritePrompt({ question: prompt.question, images, original, errorCount }),
    maxTokens: OPEN_SAMPLING.maxTokens,
    temperature: OPEN_SAMPLING.temperature,
    topP: OPEN_SAMPLING.topP,
    seed: requestSeed(ctx, prompt.id, "rewrite"),
    topLogprobs: 0,
  });
  const checked = validateRewrite(original, output ?? "", {
    minErrors: REWRITE_ERRORS.min,
    maxErrors: REWRITE_ERRORS.max,
  });
  if (!checked.ok)
    return { kind: "skip", reason: `rewrite_${checked.reason}`, detail: checked.detail };
  return {
    kind: "pair",
    chosen: original,
    rejected: checked.rewrite,
    extra: { injectedErrors: checked.errors },
  };
}

async function closedSamples(
  ctx: IterationContext,
  prompt: ClassifiedPrompt,
  images: ResolvedImage[],
) {
  return complete(ctx, {
    messages: renderAnswerPrompt({ question: prompt.question, images }),
    maxTokens: CLOSED_MAX_TOKENS,
    temperature: CLOSED_SAMPLING.temperature,
    topK: CLOSED_SAMPLING.topK,
    topP: CLOSED_SAMPLING.topP,
    n: CLOSED_SAMPLING.samples,
    seed: requestSeed(ctx, prompt.id, "closed"),
    topLogprobs: 0,
  });
}

/**
 * `closedLabels: "gold"`: chosen is a sample whose extracted answer equals the gold answer,
 * rejected one whose (stated) answer differs, each picked by seed; skips `no_gold_answer`
 * when the gold answer is unknown, `no_gold_sample` when no sample gives it, and
 * `no_wrong_sample` when every stated answer gives it.
 */
function goldOutcome(
  ctx: IterationContext,
  prompt: ClassifiedPrompt,
  cls: QuestionClass,
  images: ResolvedImage[],
  samples: readonly string[],
  closed: ClosedVote,
): Outcome {
  if (!ctx.goldAnswer) throw new Error("closedLabels gold needs a goldAnswer function");
  const raw = ctx.goldAnswer(prompt.question, images);
  if (raw === null) return { kind: "skip", reason: "no_gold_answer", detail: "" };
  const gold = normaliseAnswer(raw, answerContext(prompt.question, cls)) ?? raw;
  const tally = closed.vote.votes.map((v) => `${v.answer}×${v.count}`).join(", ");
  const right = closed.answers.flatMap((answer, i) => (answer === gold ? [i] : []));
  const wrong = closed.answers.flatMap((a, i) => (a !== null && a !== gold ? [i] : []));
  if (right.length === 0) {
    return { kind: "skip", reason: "no_gold_sample", detail: `gold ${gold}; ${tally}` };
  }
  if (wrong.length === 0) {
    return { kind: "skip", reason: "no_wrong_sample", detail: `gold ${gold}; ${tally}` };
  }
  const seed = `${ctx.seed}:${ctx.iteration}:${prompt.id}`;
  return {
    kind: "pair",
    chosen: samples[right[seededIndex(right.length, "gold-chosen", seed)]!]!,
    rejected: samples[wrong[seededIndex(wrong.length, "gold-rejected", seed)]!]!,
    extra: { votes: closed.vote.votes, gold },
  };
}

/**
 * The prompt's images as serving would send them (fitted to the image budget), or the skip
 * of a prompt whose image the budget refuses: that image is refused on every attempt and
 * every rerun, so it is recorded, not retried.
 */
async function promptImages(
  ctx: IterationContext,
  prompt: ClassifiedPrompt,
): Promise<ResolvedImage[] | Extract<Outcome, { kind: "skip" }>> {
  try {
    return await loadImages(prompt.images, ctx.imageBudget);
  } catch (error) {
    const refusal = budgetRefusal(error);
    if (!refusal) throw error;
    return {
      kind: "skip",
      reason: "image_refused",
      detail: `${refusal}: ${(error as Error).message}`,
    };
  }
}

/** Synthesizes one prompt: returns its final class and outcome. */
async function synthesizeOne(
  ctx: IterationContext,
  prompt: ClassifiedPrompt,
): Promise<{ cls: QuestionClass; outcome: Outcome }> {
  const images = await promptImages(ctx, prompt);
  if (!Array.isArray(images)) return { cls: prompt.cls, outcome: images };
  if (prompt.cls.kind === "open")
    return { cls: prompt.cls, outcome: await openRecipe(ctx, prompt, images) };
  const samples = await closedSamples(ctx, prompt, images);
  const cls = confirmByAnswers(prompt.cls, samples);
  if (cls.kind === "open") return { cls, outcome: await openRecipe(ctx, prompt, images) };
  const closed = voteOnSamples({
    question: prompt.question,
    cls,
    responses: samples,
    seed: `${ctx.seed}:${ctx.iteration}:${prompt.id}`,
    minVotes: DEFAULT_MIN_VOTES,
  });
  if (ctx.policy.closedLabels === "gold") {
    return { cls, outcome: goldOutcome(ctx, prompt, cls, images, samples, closed) };
  }
  const { vote } = closed;
  if (vote.kind === "skip") {
    const tally = vote.votes.map((v) => `${v.answer}×${v.count}`).join(", ");
    return { cls, outcome: { kind: "skip", reason: vote.reason, detail: tally } };
  }
  return {
    cls,
    outcome: {
      kind: "pair",
      chosen: samples[vote.chosen]!,
      rejected: samples[vote.rejected]!,
      extra: { votes: vote.votes },
    },
  };
}

function toRecord(
  ctx: IterationContext,
  prompt: ClassifiedPrompt,
  cls: QuestionClass,
  outcome: Outcome,
): SynthesisRecord {
  if (outcome.kind === "skip") {
    return { id: prompt.id, outcome: "skip", cls, reason: outcome.reason, detail: outcome.detail };
  }
  const pair: SyntheticPair = {
    pairId: pairIdOf(prompt.id, outcome.chosen, outcome.rejected),
    promptId: prompt.id,
    question: prompt.question,
    imageHashes: prompt.imageHashes,
    chosen: outcome.chosen,
    rejected: outcome.rejected,
    questionKind: cls.kind,
    recipe:
      cls.kind === "open"
        ? "error_injection"
        : ctx.policy.closedLabels === "gold"
          ? "gold_answer"
          : "majority_vote",
    generator: ctx.generator,
    generatorPromptVersion: GENERATOR_PROMPT_VERSION,
  };
  return { id: prompt.id, outcome: "pair", cls, pair, imagePaths: prompt.images, ...outcome.extra };
}

/**
 * Synthesizes a preference pair per classified prompt through the generator, at most
 * `ctx.concurrency` prompts at once, their images fitted to `ctx.imageBudget` as serving
 * fits them. Resumable: prompts with a record are skipped. Engine failures that survive the
 * retries are recorded as `engine_error` skips, prompts with an image the budget refuses as
 * `image_refused` skips.
 */
export async function runSynthesize(ctx: IterationContext): Promise<void> {
  const prompts = await readRecords<ClassifiedPrompt>(stageFile(ctx, CLASSIFY_FILE));
  const journal = await openJournal<SynthesisRecord>(stageFile(ctx, SYNTHESIZE_FILE));
  const todo = prompts.filter((prompt) => !journal.has(prompt.id));
  // A prompt holds one call at a time (an open prompt's rewrite follows its original).
  const limit = itemLimit(ctx, ctx.generator, 1);
  ctx.logger.info(
    {
      stage: "synthesize",
      prompts: prompts.length,
      done: prompts.length - todo.length,
      promptsAtOnce: currentLimit(limit),
    },
    "synthesis starting",
  );
  const writes = createWriteBehind();
  try {
    await runBounded(
      todo,
      limit,
      async (prompt) => {
        let record: SynthesisRecord;
        try {
          const { cls, outcome } = await synthesizeOne(ctx, prompt);
          record = toRecord(ctx, prompt, cls, outcome);
        } catch (error) {
          if (ctx.signal.aborted) throw error;
          const detail = (error as Error).message;
          record = {
            id: prompt.id,
            outcome: "skip",
            cls: prompt.cls,
            reason: "engine_error",
            detail,
          };
        }
        writes.check();
        writes.add(
          journal
            .append(record)
            .then(() => ctx.onRecord?.("synthesize", journal.records.size, prompts.length)),
        );
      },
      ctx.signal,
    );
    await writes.settle();
  } finally {
    await writes.settle().catch(() => {});
    await journal.close();
  }
  const pairs = [...journal.records.values()].filter((r) => r.outcome === "pair").length;
  ctx.logger.info({ stage: "synthesize", prompts: journal.records.size, pairs }, "synthesis done");
}
