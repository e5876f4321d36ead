import { setMaxListeners } from "node:events";
import { AppError } from "../core/errors.ts";
import { linkSignals } from "../core/signals.ts";

/** What the fleet has been taking per judged pair (both orders run at once). */
export interface PairLatency {
  /** Typical wall time of one pair, ms; null before the fleet has observed any call. */
  pairLatencyMs(): number | null;
}

export interface PairScheduleOptions {
  /** Pairs in flight at once, at most. */
  concurrency: number;
  /** Aborted on client disconnect, shutdown or the transport's deadline. */
  signal?: AbortSignal | undefined;
  /** When the whole request must be done (epoch ms); undefined → no deadline of its own. */
  deadlineAt?: number | undefined;
  latency: PairLatency;
  /** The clock (epoch ms); tests inject one. */
  now?: () => number;
}

/** A pair's work: judge it with `signal` (aborted when the request fails) and report. */
export type PairWork<R> = (index: number, signal: AbortSignal) => Promise<R>;

/**
 * Runs `count` pairs with at most `concurrency` in flight, so the request finishes or fails as a
 * whole before its deadline, never half-done after it:
 * - before any pair starts, when the fleet's pair latency says the waves cannot fit in the time
 *   left, it fails at once with DEADLINE_TOO_SHORT and the engine is not called;
 * - while running, when a wave of finished pairs says the rest cannot fit, or when
 *   the deadline passes (UPSTREAM_TIMEOUT), or `signal` aborts, every in-flight pair is aborted
 *   and the whole run rejects with the reason.
 * `work` reports per-pair failures in its result; whatever it throws fails the run.
 */
export async function schedulePairs<R>(
  count: number,
  work: PairWork<R>,
  options: PairScheduleOptions,
): Promise<R[]> {
  const now = options.now ?? Date.now;
  const concurrency = Math.max(1, Math.min(options.concurrency, count));
  checkFits(count, concurrency, options.latency.pairLatencyMs(), options.deadlineAt, now());
  const run = runSignal(options.signal, options.deadlineAt, now());
  const results = new Array<R>(count);
  const durations: number[] = [];
  let next = 0;

  async function worker(): Promise<void> {
    while (next < count && !run.signal.aborted) {
      const index = next++;
      const started = now();
      results[index] = await work(index, run.signal);
      durations.push(now() - started);
      checkProgress();
    }
  }

  /** Projects the unstarted pairs from a full wave of finished ones, not the first to finish. */
  function checkProgress(): void {
    if (options.deadlineAt === undefined || next >= count || durations.length < concurrency) return;
    const typical = durations.reduce((sum, ms) => sum + ms, 0) / durations.length;
    const problem = fitProblem(count - next, concurrency, typical, options.deadlineAt, now());
    if (problem) run.abort(new AppError("DEADLINE_TOO_SHORT", `${problem} (as judged so far)`));
  }

  try {
    const workers = Array.from({ length: concurrency }, worker);
    // Rejects on the first failure or abort without waiting for the in-flight pairs, which
    // see the aborted signal and cancel their engine calls.
    await Promise.race([Promise.all(workers), run.aborted]);
    if (run.signal.aborted) throw run.signal.reason;
    return results;
  } catch (error) {
    run.abort(error);
    throw run.signal.reason ?? error;
  } finally {
    run.dispose();
  }
}

/** Throws DEADLINE_TOO_SHORT (or UPSTREAM_TIMEOUT when no time is left) before any work. */
function checkFits(
  count: number,
  concurrency: number,
  pairMs: number | null,
  deadlineAt: number | undefined,
  now: number,
): void {
  if (deadlineAt === undefined) return;
  if (deadlineAt <= now) throw new AppError("UPSTREAM_TIMEOUT", "the deadline passed");
  if (pairMs === null) return;
  const problem = fitProblem(count, concurrency, pairMs, deadlineAt, now);
  if (problem) throw new AppError("DEADLINE_TOO_SHORT", problem);
}

/** Why `pairs` cannot finish by `deadlineAt` at `pairMs` each, or null when they can. */
function fitProblem(
  pairs: number,
  concurrency: number,
  pairMs: number,
  deadlineAt: number,
  now: number,
): string | null {
  const needed = Math.ceil(pairs / concurrency) * pairMs;
  const left = deadlineAt - now;
  if (needed <= left) return null;
  return (
    `${pairs} pairs at ~${Math.round(pairMs)} ms each, ${concurrency} at a time, need ` +
    `~${Math.round(needed)} ms; the deadline leaves ${Math.max(0, Math.round(left))} ms`
  );
}

/**
 * The run's signal: follows `parent`, aborts itself with UPSTREAM_TIMEOUT at `deadlineAt`;
 * `aborted` rejects when it aborts. `dispose` lets go of the parent and the timer.
 */
function runSignal(parent: AbortSignal | undefined, deadlineAt: number | undefined, now: number) {
  const run = linkSignals(parent);
  // Every pair in flight (and each of its orders) listens on it: many listeners, no leak.
  setMaxListeners(0, run.signal);
  if (deadlineAt !== undefined) {
    run.expireAfter(deadlineAt - now, () => {
      return new AppError("UPSTREAM_TIMEOUT", "the request's deadline passed");
    });
  }
  const aborted = new Promise<never>((_, reject) => {
    if (run.signal.aborted) reject(run.signal.reason);
    else run.signal.addEventListener("abort", () => reject(run.signal.reason), { once: true });
  });
  aborted.catch(() => {});
  return {
    signal: run.signal,
    aborted,
    abort: (reason: unknown) => run.abort(reason),
    dispose: () => run.dispose(),
  };
}
