import type { Logger } from "pino";
import { type AppError, errorBody, toAppError } from "../core/errors.ts";
import { logFailure } from "../core/failure-log.ts";
import type { Reservation } from "../core/inflight-bytes.ts";
import type { JudgeResult, PairwiseJudge } from "../core/pairwise-judge.ts";
import type { PairResult } from "../core/reward-scores.ts";
import type { ObserveVerdict, PairwiseTask, PriorityClass, ResolvedImage } from "../core/types.ts";
import { type PairLatency, schedulePairs } from "./pair-scheduler.ts";

export interface PairJudgingDeps {
  judge: Pick<PairwiseJudge, "judge">;
  /** The fleet's pair latency, for refusing up front what cannot fit the deadline. */
  latency: PairLatency;
  /** Pairs of one request in flight at once (JURIST_REWARD_CONCURRENCY). */
  concurrency: number;
  logger: Logger;
  /** Sees every verdict (the verdict metrics); reward pairs count as verdicts. */
  observeVerdict?: ObserveVerdict | undefined;
}

/** Cancellation and deadline of one reward request. */
export interface PairContext {
  /** Aborted on client disconnect, shutdown or the transport's deadline. */
  signal?: AbortSignal | undefined;
  /** When the request must be done, epoch ms (see `schedulePairs`). */
  deadlineAt?: number | undefined;
  /** Admission class of the pairs' engine calls; reward traffic defaults to `batch`. */
  priority?: PriorityClass | undefined;
  /** The request's hold on the in-flight byte budget: its images' decoded bytes join it. */
  inflight?: Reservation | null | undefined;
}

/**
 * A pair's images as the engine receives them, settled (resized) when the pair is about to be
 * sent, with the run's signal: a pair refused up front or never started costs no resize.
 */
export type PairImages = (signal: AbortSignal) => Promise<ResolvedImage[]>;

/** A pair to judge: a task whose images are settled on demand. */
export interface PairTask extends Omit<PairwiseTask, "images"> {
  images: PairImages;
}

/** Thrown by a {@link PairImages} to fail only its own pair, with `reason` as its failure. */
export class PairImagesFailed extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "PairImagesFailed";
  }
}

/** `settle` run at most once however many pairs share the images; each pair awaits the same. */
export function settledOnce(settle: PairImages): PairImages {
  let settled: Promise<ResolvedImage[]> | undefined;
  return (signal) => {
    settled ??= settle(signal);
    return settled;
  };
}

/** One result per task, and the checkpoint that judged them (undefined when none did). */
export interface JudgedPairs {
  results: PairResult[];
  checkpoint: string | undefined;
}

type Outcome = {
  result: PairResult;
  verdict?: JudgeResult;
  failure?: AppError;
  /** The pair failed on its own images (PairImagesFailed), before any engine call. */
  imagesFailed?: true;
};

/**
 * Judges every task (both orders each) through the pairwise judge under the request's
 * concurrency and deadline. A pair the engine fails (a 5xx: overload, upstream error) becomes
 * an error result with the public reason, so one bad pair does not sink the request; but when
 * every pair failed so, the first error is thrown (a 503 the caller retries beats a 200 of
 * nulls). A 4xx (an unknown pinned checkpoint) would fail every pair alike and is thrown at
 * once; so are aborts and the deadline. A pair whose images fail with {@link PairImagesFailed}
 * fails alone and counts in neither rule.
 */
export async function judgePairs(
  tasks: readonly PairTask[],
  deps: PairJudgingDeps,
  context: PairContext,
): Promise<JudgedPairs> {
  if (tasks.length === 0) return { results: [], checkpoint: undefined };
  const outcomes = await schedulePairs(tasks.length, (i, signal) => judgeOne(tasks[i]!, signal), {
    concurrency: deps.concurrency,
    signal: context.signal,
    deadlineAt: context.deadlineAt,
    latency: deps.latency,
  });
  const judged = outcomes.filter((outcome) => !outcome.imagesFailed);
  const failed = judged.filter((outcome) => outcome.failure);
  if (failed.length > 0 && failed.length === judged.length) throw failed[0]!.failure;
  return {
    results: outcomes.map((outcome) => outcome.result),
    checkpoint: outcomes.find((outcome) => outcome.verdict)?.verdict?.checkpoint,
  };

  async function judgeOne(task: PairTask, signal: AbortSignal): Promise<Outcome> {
    try {
      const images = await task.images(signal);
      const verdict = await deps.judge.judge({ ...task, images }, signal);
      deps.observeVerdict?.(verdict);
      return { result: { verdict }, verdict };
    } catch (thrown) {
      if (signal.aborted) throw signal.reason;
      if (thrown instanceof PairImagesFailed) {
        return { result: { error: thrown.reason }, imagesFailed: true };
      }
      const error = toAppError(thrown);
      if (!error.isServerFault) throw error;
      logFailure(deps.logger, error, "reward pair failed");
      return {
        result: { error: `${error.code}: ${errorBody(error).error.message}` },
        failure: error,
      };
    }
  }
}
