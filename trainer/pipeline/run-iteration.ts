import type { CheckpointRegistry } from "../../src/store/checkpoint-registry.ts";
import { runClassify } from "../stages/classify.ts";
import { type DatasetImages, runDataset, writtenDatasetPath } from "../stages/dataset.ts";
import { fineTuneArgv, runFineTune } from "../stages/fine-tune.ts";
import { type IntakeOptions, runIntake } from "../stages/intake.ts";
import {
  ITERATION_STAGES,
  type IterationContext,
  type IterationStage,
  stageFile,
} from "../stages/iteration-context.ts";
import { runJudgeFilter } from "../stages/judge-filter.ts";
import { registerCandidate } from "../stages/register.ts";
import { runSynthesize } from "../stages/synthesize.ts";
import type { TrainerStateStore } from "../state/trainer-state.ts";

/** Told when each stage of an iteration starts and ends (status, metrics, progress bars). */
export interface StageObserver {
  started(stage: IterationStage): void;
  finished(stage: IterationStage, seconds: number, outcome: "ok" | "failed" | "skipped"): void;
}

/** What one iteration needs beyond its context. */
export interface IterationDeps {
  registry: CheckpointRegistry;
  state: TrainerStateStore;
  observer?: StageObserver | undefined;
  intake: IntakeOptions;
  /** The fine-tune command template (see `fineTuneArgv`). */
  fineTuneCommand: string;
  baseModel: string;
  /** The directory or uri of the checkpoint the fine-tune starts from (`ctx.init`); empty for the base model. */
  initCheckpoint: string;
  /** How the dataset holds its images (`JURIST_DATASET_IMAGES`); `paths` when absent. */
  datasetImages?: DatasetImages | undefined;
}

/** What a finished iteration produced. */
export interface IterationResult {
  iteration: number;
  dir: string;
  datasetPath: string;
  manifestPath: string;
  checkpointDir: string;
  candidate: string;
  /** The checkpoint whose verdicts filtered the data. */
  judge: string;
  /** The checkpoint the fine-tune started from; null for the base model. */
  init: string | null;
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
  const state = await deps.state.iteration(ctx.iteration);
  const images = deps.datasetImages ?? "paths";
  const paths = {
    datasetPath: await writtenDatasetPath(ctx, images),
    manifestPath: stageFile(ctx, "manifest.json"),
    checkpointDir: stageFile(ctx, "checkpoint"),
  };
  const steps: Record<IterationStage, () => Promise<unknown>> = {
    intake: () => runIntake(ctx, deps.intake),
    classify: () => runClassify(ctx),
    synthesize: () => runSynthesize(ctx),
    judge: () => runJudgeFilter(ctx),
    dataset: () =>
      runDataset(
        ctx,
        {
          holdoutFraction: deps.intake.holdout.fraction,
          benchmarkItems: deps.intake.contamination.items,
        },
        images,
      ).then((written) => {
        paths.datasetPath = written.datasetPath;
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
        init: ctx.init,
        judge: ctx.judge,
      });
      state.candidate = record.id;
      ctx.logger.info(
        { stage: "register", candidate: record.id, init: record.init, judge: record.judge },
        "candidate registered",
      );
    },
  };
  for (const stage of ITERATION_STAGES) {
    if (state.completed.includes(stage)) {
      ctx.logger.info({ iteration: ctx.iteration, stage }, "stage already completed; skipping");
      deps.observer?.finished(stage, 0, "skipped");
      continue;
    }
    ctx.signal.throwIfAborted();
    deps.observer?.started(stage);
    const started = performance.now();
    try {
      await steps[stage]();
    } catch (error) {
      deps.observer?.finished(stage, (performance.now() - started) / 1000, "failed");
      throw error;
    }
    deps.observer?.finished(stage, (performance.now() - started) / 1000, "ok");
    state.completed.push(stage);
    await deps.state.saveIteration(state);
  }
  return {
    iteration: ctx.iteration,
    dir: ctx.dir,
    ...paths,
    candidate: state.candidate!,
    judge: ctx.judge,
    init: ctx.init,
  };
}
