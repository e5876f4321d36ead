import { setTimeout as sleep } from "node:timers/promises";
import type { PromptLog } from "../../src/store/prompt-log.ts";
import type { IntakeBlobs } from "../io/remote-blobs.ts";
import { runNextIteration, type TrainerEnv, workerName } from "../pipeline/iteration-runner.ts";
import type { IterationResult } from "../pipeline/run-iteration.ts";
import { createStatusReporter } from "./status-reporter.ts";

/** The consumer group of the prompt stream the trainer reads through. */
export const TRAINER_GROUP = "trainer";

export interface TrainerWorkerOptions {
  env: TrainerEnv;
  promptLog: PromptLog;
  /** The local file of an image blob. */
  blobPath: (sha256: string) => string;
  /** Images in a shared store (S3): copied to `blobPath` at intake, deleted once consumed. */
  blobs?: IntakeBlobs | undefined;
  /** Aborting stops the worker after the records in flight are written. */
  signal: AbortSignal;
  /** Called with each finished iteration (the gates hook in here). */
  onIteration?: (result: IterationResult) => Promise<void>;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
const pause = (ms: number, signal: AbortSignal) => sleep(ms, undefined, { signal }).catch(() => {});

/**
 * The long-running trainer: waits until the prompt stream holds `minNewPrompts` prompts its
 * consumer group has not taken (or an interrupted iteration is waiting to resume), then runs
 * an iteration over them and the configured seed files, judged by and fine-tuned from the
 * champion (never a candidate the gates rejected). One worker at a time holds the lease;
 * a failing iteration is retried with back-off and resumes at the stage that failed.
 */
export function createTrainerWorker(options: TrainerWorkerOptions) {
  const { env, signal } = options;
  const settings = env.config.trainer;
  const owner = workerName();
  const leaseTtlMs = Math.max(60_000, 3 * settings.pollMs);
  const consumer = options.promptLog.consumer({
    group: TRAINER_GROUP,
    consumer: settings.consumer,
  });
  const status = createStatusReporter(
    env.state,
    {
      state: "waiting",
      worker: owner,
      iteration: null,
      stage: null,
      progress: {},
      backlog: null,
      threshold: settings.minNewPrompts,
      lastError: null,
      lastCompleted: null,
    },
    env.logger,
  );

  /** An iteration started before and not finished: it resumes whatever the backlog. */
  async function unfinishedIteration(): Promise<boolean> {
    const known = await env.state.iterations();
    const last = known.at(-1);
    return last !== undefined && !(await env.state.iteration(last)).completed.includes("register");
  }

  async function runOne(): Promise<void> {
    const renew = setInterval(() => {
      env.state.acquireLease(owner, leaseTtlMs).catch(() => {});
    }, leaseTtlMs / 3);
    try {
      await status.update({ state: "running", progress: {}, lastError: null });
      const result = await runNextIteration(env, {
        // The champion judges and is the init: a rejected candidate is never built on.
        judge: "champion",
        init: "champion",
        seedFiles: settings.seedPrompts,
        stream: {
          consumer,
          blobPath: options.blobPath,
          blobs: options.blobs,
          maxPrompts: settings.maxPrompts,
          onBatch: (taken) => status.progress("intake", taken, null),
        },
        signal,
        observer: {
          started: (stage) => status.update({ stage }),
          finished: () => {},
        },
        onRecord: (stage, written, total) => status.progress(stage, written, total),
      });
      await status.update({
        state: "waiting",
        stage: null,
        iteration: result.iteration,
        lastCompleted: {
          iteration: result.iteration,
          candidate: result.candidate,
          at: new Date().toISOString(),
        },
      });
      try {
        await options.onIteration?.(result);
      } catch (error) {
        if (signal.aborted) throw error;
        // The candidate stays a candidate; training goes on. The status says what happened.
        env.logger.error({ err: error }, "candidate review failed");
        await status.update({ lastError: (error as Error).message });
      }
    } finally {
      clearInterval(renew);
    }
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      let wait = settings.pollMs;
      // An iteration that ran counts its own failure; one that could not start (the lease, the
      // consumer group's XGROUP CREATE, the backlog read: a Redis failure) is counted here, so
      // JuristTrainerIterationFailed fires for it too.
      let iterationCounted = false;
      try {
        if (!(await env.state.acquireLease(owner, leaseTtlMs))) {
          await status.update({
            state: "waiting",
            lastError: "another trainer worker holds the lease",
          });
        } else {
          const backlog = await consumer.backlog();
          env.metrics?.backlog(backlog);
          await status.update({ backlog });
          if (backlog >= settings.minNewPrompts || (await unfinishedIteration())) {
            iterationCounted = true;
            await runOne();
            failures = 0;
            wait = 0;
          }
        }
      } catch (error) {
        if (signal.aborted) break;
        if (!iterationCounted) env.metrics?.iterationEnded("failed");
        failures++;
        wait = settings.pollMs * Math.min(2 ** failures, 16);
        env.logger.error({ err: error, retryInMs: wait }, "trainer iteration failed");
        await status.update({ state: "failed", lastError: (error as Error).message });
      }
      await pause(wait, signal);
    }
    await status.update({ state: "stopped", stage: null });
    await env.state.releaseLease(owner).catch(() => {});
  }

  return { run, status: status.current };
}
