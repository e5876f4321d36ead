import type { CheckpointRegistry } from "../../src/store/checkpoint-registry.ts";
import { runClassify } from "../stages/classify.ts";
import { runDataset } from "../stages/dataset.ts";
import { fineTuneArgv, runFineTune } from "../stages/fine-tune.ts";
import { type IntakeOptions, runIntake } from "../stages/intake.ts";
import { runJudgeFilter } from "../stages/judge-filter.ts";
import { registerCandidate } from "../stages/register.ts";
import { runSynthesize } from "../stages/synthesize.ts";
import {
  ITERATION_STAGES,
  type IterationContext,
  type IterationStage,
  stageFile,
} from "./iteration-context.ts";
import { readIterationState, writeIterationState } from "./iteration-state.ts";

/** What one iteration needs beyond its context. */
export interface IterationDeps {
  registry: CheckpointRegistry;
  intake: IntakeOptions;
  /** The fine-tune command template (see `fineTuneArgv`). */
  fineTuneCommand: string;
  baseModel: string;
  /** The previous iteration's checkpoint directory; empty on the first. */
  initCheckpoint: string;
}

/** What a finished iteration produced. */
export interface IterationResult {
  iteration: number;
  dir: string;
  datasetPath: string;
  manifestPath: string;
  checkpointDir: string;
  candidate: string;
}

/**
 * Runs the stages of one iteration in order, skipping those `state.json` lists as completed
 * and marking each as it finishes. A failing or aborted stage leaves every earlier output in
 * place; the next run resumes at that stage (resumable stages skip their written records).
 */
export async function runIteration(
  ctx: IterationContext,
  deps: IterationDeps,
): Promise<IterationResult> {
  const state = await readIterationState(ctx.dir, ctx.iteration);
  const paths = {
    datasetPath: stageFile(ctx, "dataset.jsonl"),
    manifestPath: stageFile(ctx, "manifest.json"),
    checkpointDir: stageFile(ctx, "checkpoint"),
  };
  const steps: Record<IterationStage, () => Promise<unknown>> = {
    intake: () => runIntake(ctx, deps.intake),
    classify: () => runClassify(ctx),
    synthesize: () => runSynthesize(ctx),
    judge: () => runJudgeFilter(ctx),
    dataset: () =>
      runDataset(ctx, {
        holdoutFraction: deps.intake.holdout.fraction,
        benchmarkItems: deps.intake.contamination.items,
      }),
    "fine-tune": () =>
      runFineTune(
        fineTuneArgv(deps.fineTuneCommand, {
          dataset: paths.datasetPath,
          output: paths.checkpointDir,
          init: deps.initCheckpoint,
          base_model: deps.baseModel,
        }),
        ctx.logger,
        ctx.signal,
      ),
    register: async () => {
      const record = await registerCandidate({
        registry: deps.registry,
        iteration: ctx.iteration,
        ...paths,
        baseModel: deps.baseModel,
        parent: ctx.judge,
      });
      state.candidate = record.id;
      ctx.logger.info(
        { stage: "register", candidate: record.id, parent: record.parent },
        "candidate registered",
      );
    },
  };
  for (const stage of ITERATION_STAGES) {
    if (state.completed.includes(stage)) {
      ctx.logger.info({ iteration: ctx.iteration, stage }, "stage already completed; skipping");
      continue;
    }
    ctx.signal.throwIfAborted();
    await steps[stage]();
    state.completed.push(stage);
    await writeIterationState(ctx.dir, state);
  }
  return { iteration: ctx.iteration, dir: ctx.dir, ...paths, candidate: state.candidate! };
}
