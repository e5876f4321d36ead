import type { Logger } from "pino";
import { type AppError, errorBody, toAppError } from "../core/errors.ts";
import type { JudgeResult, PairwiseJudge } from "../core/pairwise-judge.ts";
import type { PairResult } from "../core/reward-scores.ts";
import type { ObserveVerdict, PairwiseTask, PriorityClass } from "../core/types.ts";
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
}

/** One result per task, and the checkpoint that judged them (undefined when none did). */
export interface JudgedPairs {
  results: PairResult[];
  checkpoint: string | undefined;
}

type Outcome = { result: PairResult; verdict?: JudgeResult; failure?: AppError };

/**
 * Judges every task (both orders each) through the pairwise judge under the request's
 * concurrency and deadline. A pair the engine fails (a 5xx: overload, upstream error) becomes
 * an error result with the public reason, so one bad pair does not sink the request; but when
 * every pair failed so, the first error is thrown (a 503 the caller retries beats a 200 of
 * nulls). A 4xx (an unknown pinned checkpoint) would fail every pair alike and is thrown at
 * once; so are aborts and the deadline.
 */
export async function judgePairs(
  tasks: readonly PairwiseTask[],
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
  const failed = outcomes.filter((outcome) => outcome.failure);
  if (failed.length === outcomes.length) throw failed[0]!.failure;
  return {
    results: outcomes.map((outcome) => outcome.result),
    checkpoint: outcomes.find((outcome) => outcome.verdict)?.verdict?.checkpoint,
  };

  async function judgeOne(task: PairwiseTask, signal: AbortSignal): Promise<Outcome> {
    try {
      const verdict = await deps.judge.judge(task, signal);
      deps.observeVerdict?.(verdict);
      return { result: { verdict }, verdict };
    } catch (thrown) {
      if (signal.aborted) throw signal.reason;
      const error = toAppError(thrown);
      if (!error.isServerFault) throw error;
      deps.logger.warn({ err: thrown, code: error.code }, "reward pair failed");
      return {
        result: { error: `${error.code}: ${errorBody(error).error.message}` },
        failure: error,
      };
    }
  }
}
