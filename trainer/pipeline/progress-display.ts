import { MultiBar, Presets, type SingleBar } from "cli-progress";
import type { IterationStage } from "../stages/iteration-context.ts";
import type { StageObserver } from "./run-iteration.ts";

/** A progress display for one iteration: a bar per long stage on a terminal, nothing elsewhere. */
export interface ProgressDisplay extends StageObserver {
  record(stage: IterationStage, written: number, total: number): void;
  stop(): void;
}

/**
 * Progress bars on stderr (cli-progress) for the stages that call the engine, when stderr
 * is a terminal; the structured log carries progress everywhere else, so a log file or CI
 * output never fills with bar redraws.
 */
export function createProgressDisplay(iteration: number, stream = process.stderr): ProgressDisplay {
  if (!stream.isTTY) {
    return { started() {}, finished() {}, record() {}, stop() {} };
  }
  const bars = new MultiBar(
    {
      stream,
      format: `iteration ${iteration} {stage} [{bar}] {value}/{total} {percentage}% eta {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: false,
    },
    Presets.shades_classic,
  );
  const open = new Map<IterationStage, SingleBar>();
  return {
    started() {},
    finished(stage) {
      open.get(stage)?.stop();
    },
    record(stage, written, total) {
      let bar = open.get(stage);
      if (!bar) {
        bar = bars.create(total, 0, { stage: stage.padEnd(10) });
        open.set(stage, bar);
      }
      bar.setTotal(total);
      bar.update(written);
    },
    stop() {
      bars.stop();
    },
  };
}
