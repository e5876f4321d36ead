import type { Logger } from "pino";
import type { Config } from "../../src/config/config.ts";
import { stateRedisTarget } from "../../src/store/create-stores.ts";
import { createRedisClient } from "../../src/store/redis-client.ts";
import { trainerStateFor } from "../pipeline/open-trainer-env.ts";
import { ITERATION_STAGES } from "../stages/iteration-context.ts";
import type { IterationState, WorkerStatus } from "../state/trainer-state.ts";

/** The whole picture `jurist trainer status` prints. */
export interface TrainerReport {
  status: WorkerStatus | null;
  iterations: IterationState[];
}

/** Reads the trainer's status and iteration states from Redis (when configured) or files. */
export async function readTrainerReport(config: Config, logger: Logger): Promise<TrainerReport> {
  const target = stateRedisTarget(config);
  const redis = target
    ? createRedisClient({ ...target, keyPrefix: config.stores.redisPrefix, logger })
    : null;
  try {
    if (redis && !(await redis.ready())) throw new Error("the state Redis is not reachable");
    const store = trainerStateFor(config, { redis });
    const numbers = await store.iterations();
    return {
      status: await store.status(),
      iterations: await Promise.all(numbers.map((n) => store.iteration(n))),
    };
  } finally {
    await redis?.close();
  }
}

function ago(iso: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return seconds < 120 ? `${seconds}s ago` : `${Math.round(seconds / 60)} min ago`;
}

/** The report as text for a terminal. */
export function formatTrainerReport(report: TrainerReport, now = Date.now()): string {
  const lines: string[] = [];
  const { status } = report;
  if (!status) {
    lines.push("trainer: no worker has run yet");
  } else {
    lines.push(
      `trainer: ${status.state} (worker ${status.worker}, updated ${ago(status.updatedAt, now)})`,
    );
    if (status.state === "running" && status.stage) {
      const progress = status.progress[status.stage];
      const of = progress?.total
        ? `/${progress.total} (${Math.round((100 * progress.done) / progress.total)}%)`
        : "";
      lines.push(
        `  iteration ${status.iteration ?? "?"}, stage ${status.stage}${progress ? ` ${progress.done}${of}` : ""}`,
      );
    }
    lines.push(
      `  backlog: ${status.backlog ?? "unknown"} collected prompts not yet taken (an iteration starts at ${status.threshold})`,
    );
    if (status.lastCompleted) {
      const last = status.lastCompleted;
      lines.push(
        `  last completed: iteration ${last.iteration} → candidate ${last.candidate} (${ago(last.at, now)})`,
      );
    }
    if (status.lastError) lines.push(`  last error: ${status.lastError}`);
  }
  if (report.iterations.length > 0) lines.push("iterations:");
  for (const state of report.iterations) {
    const done = ITERATION_STAGES.filter((stage) => state.completed.includes(stage));
    const next = ITERATION_STAGES.find((stage) => !state.completed.includes(stage));
    const where = next
      ? `stopped before ${next} (${done.length}/${ITERATION_STAGES.length} stages)`
      : "complete";
    lines.push(
      `  ${state.iteration}: ${where}${state.candidate ? `, candidate ${state.candidate}` : ""}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
