import type { IterationPolicy, IterationStage } from "../stages/iteration-context.ts";

/** One iteration's progress: which stages completed, and the candidate it registered. */
export interface IterationState {
  iteration: number;
  completed: IterationStage[];
  candidate: string | null;
  /** Fixed when the iteration starts, so a resumed iteration judges and trains as it began. */
  plan?: IterationPlan | undefined;
  updatedAt: string;
}

/** Who judges an iteration, what it trains from, and its data choices. */
export interface IterationPlan {
  /** The checkpoint whose verdicts filter the data. */
  judge: string;
  /** The checkpoint the fine-tune starts from; null for the base model. */
  init: string | null;
  /** Its weights' directory or uri (the fine-tune's `{init}`); empty for the base model. */
  initUri: string;
  policy: IterationPolicy;
  /** The seed slice's size (`--prompts-per-iteration`); null: every seed prompt. */
  promptsPerIteration: number | null;
}

/** Records written by a stage so far, of how many when known. */
export interface StageProgress {
  done: number;
  total: number | null;
}

/** What the trainer worker is doing, for `jurist trainer status` and dashboards. */
export interface WorkerStatus {
  state: "waiting" | "running" | "failed" | "stopped";
  /** `host:pid` of the worker that wrote this status. */
  worker: string;
  iteration: number | null;
  stage: IterationStage | null;
  progress: Partial<Record<IterationStage, StageProgress>>;
  /** Collected prompts not yet taken by the trainer's consumer group. */
  backlog: number | null;
  /** Prompts that start an iteration. */
  threshold: number;
  lastError: string | null;
  lastCompleted: { iteration: number; candidate: string; at: string } | null;
  updatedAt: string;
}

/**
 * Where the trainer keeps its state: Redis when configured (any process can read the status;
 * a restarted worker elsewhere resumes), else files under `<JURIST_DATA_DIR>/trainer`. Stage
 * outputs (JSONL, dataset, checkpoint) are files either way, on a volume every trainer
 * process and the fine-tune job share.
 */
export interface TrainerStateStore {
  /** An iteration's state; a fresh one when it has none yet. */
  iteration(n: number): Promise<IterationState>;
  saveIteration(state: IterationState): Promise<void>;
  /** Iteration numbers with a saved state, ascending. */
  iterations(): Promise<number[]>;
  status(): Promise<WorkerStatus | null>;
  saveStatus(status: WorkerStatus): Promise<void>;
  /**
   * Takes (or renews, for the same owner) the single-worker lease for `ttlMs`; false while
   * another live worker holds it. Two workers on one iteration would interleave its files.
   */
  acquireLease(owner: string, ttlMs: number): Promise<boolean>;
  releaseLease(owner: string): Promise<void>;
}

/** A fresh state for iteration `n`. */
export function freshIteration(n: number): IterationState {
  return { iteration: n, completed: [], candidate: null, updatedAt: new Date().toISOString() };
}

/**
 * The iteration to run next: the first one that has not registered its candidate (an
 * interrupted run resumes), else one past the last.
 */
export async function nextIteration(store: TrainerStateStore): Promise<number> {
  const known = await store.iterations();
  for (const n of known) {
    if (!(await store.iteration(n)).completed.includes("register")) return n;
  }
  return (known.at(-1) ?? 0) + 1;
}
