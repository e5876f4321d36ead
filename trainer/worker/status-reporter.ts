import type { Logger } from "pino";
import type { IterationStage } from "../stages/iteration-context.ts";
import type { TrainerStateStore, WorkerStatus } from "../state/trainer-state.ts";

/** Progress is saved at most this often; state changes are saved at once. */
const PROGRESS_SAVE_MS = 1_000;

/**
 * Keeps the worker's status current in the state store, where `jurist trainer status` reads
 * it. A failed save is logged and retried with the next change: the status must never stop
 * the trainer.
 */
export function createStatusReporter(
  store: TrainerStateStore,
  initial: Omit<WorkerStatus, "updatedAt">,
  logger: Logger,
) {
  const status: WorkerStatus = { ...initial, updatedAt: new Date().toISOString() };
  let lastSave = 0;
  let saving: Promise<void> = Promise.resolve();

  function save(): Promise<void> {
    lastSave = Date.now();
    status.updatedAt = new Date().toISOString();
    const snapshot = structuredClone(status);
    saving = saving
      .then(() => store.saveStatus(snapshot))
      .catch((error: unknown) => logger.warn({ err: error }, "could not save the trainer status"));
    return saving;
  }

  return {
    current: (): Readonly<WorkerStatus> => status,
    update(change: Partial<WorkerStatus>): Promise<void> {
      Object.assign(status, change);
      return save();
    },
    progress(stage: IterationStage, done: number, total: number | null): void {
      status.stage = stage;
      status.progress[stage] = { done, total };
      if (Date.now() - lastSave >= PROGRESS_SAVE_MS) void save();
    },
    flushed: () => saving,
  };
}

export type StatusReporter = ReturnType<typeof createStatusReporter>;
