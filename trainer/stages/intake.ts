import type { ContaminationIndex } from "../core/contamination-guard.ts";
import type { HoldoutOptions } from "../core/holdout.ts";
import { INTAKE_FILES, type IntakeCounts, openIntakeSink } from "./intake-sink.ts";
import { type IterationContext, stageFile } from "./iteration-context.ts";
import { intakeSeedFiles } from "./seed-intake.ts";
import { intakePromptStream, type StreamIntakeOptions } from "./stream-intake.ts";

export interface IntakeOptions {
  seedFiles: readonly string[];
  /** The seed lines (`<file>:<line>`) this iteration takes; absent: every line. */
  seedLines?: ReadonlySet<string> | undefined;
  /** Collected production prompts; absent when the trainer runs on seed files only. */
  stream?: StreamIntakeOptions | undefined;
  contamination: ContaminationIndex;
  holdout: HoldoutOptions;
}

export interface IntakeResult extends IntakeCounts {
  /** Seed lines read plus stream entries taken, this run. */
  read: number;
}

/**
 * Intake: seed files, then the prompt stream, into `intake.jsonl` (train), `holdout.jsonl`
 * (never trained on) and `intake-skips.jsonl`, each decision durable before the stream entry
 * behind it is acknowledged. Resumable: a rerun skips everything already decided.
 */
export async function runIntake(
  ctx: IterationContext,
  options: IntakeOptions,
): Promise<IntakeResult> {
  const sink = await openIntakeSink(
    {
      train: stageFile(ctx, INTAKE_FILES.train),
      heldOut: stageFile(ctx, INTAKE_FILES.heldOut),
      skips: stageFile(ctx, INTAKE_FILES.skips),
    },
    { contamination: options.contamination, holdout: options.holdout },
  );
  let read = 0;
  try {
    read += await intakeSeedFiles(options.seedFiles, sink, ctx.signal, options.seedLines);
    if (options.stream) read += await intakePromptStream(sink, options.stream, ctx.signal);
  } finally {
    await sink.close();
  }
  ctx.logger.info(
    {
      stage: "intake",
      read,
      ...sink.counts,
      benchmarkItems: options.contamination.items,
    },
    "intake done",
  );
  return { read, ...sink.counts };
}
