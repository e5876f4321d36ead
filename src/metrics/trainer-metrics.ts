import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { ITERATION_STAGES, type IterationStage } from "../core/iteration-stages.ts";

/** The stages of a trainer iteration, as metric label values (one list: the trainer's own). */
export type TrainerStageLabel = IterationStage;
const STAGES = ITERATION_STAGES;

/** What one finished iteration's manifest says, as gauges for the dashboard. */
export interface IterationSummary {
  iteration: number;
  examples: number;
  /** Kept pairs / synthesized pairs, by question type (`closed`, `open`, `all`). */
  retention: Readonly<Record<string, number>>;
  /** Skips by stage and reason (reasons are a fixed vocabulary of the trainer's stages). */
  skips: readonly { stage: string; reason: string; count: number }[];
}

/** How a candidate's review ended. */
export type ReviewDecision = "promoted" | "rejected" | "held" | "error";

const DECISIONS: readonly ReviewDecision[] = ["promoted", "rejected", "held", "error"];

const STAGE_SECONDS_BUCKETS = [1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14_400, 43_200];

/**
 * The trainer's metrics: which stage runs, how far it is, how long stages take, how
 * iterations end, the last iteration's retention and skip counts, and the gates' reviews of
 * candidates. Labels are bounded: stage names, the trainer's own skip reasons, the gate
 * policy's gate names, and the last reviewed candidate only.
 */
export function createTrainerMetrics(registers: Registry[]) {
  const stage = new Gauge({
    name: "jurist_trainer_stage",
    help: "1 for the stage the trainer is running, 0 for the others",
    labelNames: ["stage"],
    registers,
  });
  const progress = new Gauge({
    name: "jurist_trainer_stage_records",
    help: "Records the running iteration's stage has written",
    labelNames: ["stage"],
    registers,
  });
  const stageSeconds = new Histogram({
    name: "jurist_trainer_stage_duration_seconds",
    help: "Seconds a trainer stage ran, by stage and outcome",
    labelNames: ["stage", "outcome"],
    buckets: STAGE_SECONDS_BUCKETS,
    registers,
  });
  const iterations = new Counter({
    name: "jurist_trainer_iterations_total",
    help: "Trainer iterations ended, by outcome (completed, failed)",
    labelNames: ["outcome"],
    registers,
  });
  const iteration = new Gauge({
    name: "jurist_trainer_iteration",
    help: "The iteration the trainer runs or ran last",
    registers,
  });
  const lastSuccess = new Gauge({
    name: "jurist_trainer_last_success_timestamp_seconds",
    help: "When the last trainer iteration completed, Unix seconds",
    registers,
  });
  const backlog = new Gauge({
    name: "jurist_trainer_backlog",
    help: "Collected prompts the trainer has not taken yet",
    registers,
  });
  const examples = new Gauge({
    name: "jurist_trainer_examples",
    help: "Training examples in the last completed iteration's dataset",
    registers,
  });
  const retention = new Gauge({
    name: "jurist_trainer_retention_ratio",
    help: "Share of synthesized pairs the judge filter kept in the last iteration, by question type",
    labelNames: ["question_type"],
    registers,
  });
  const skips = new Gauge({
    name: "jurist_trainer_skips",
    help: "Prompts or pairs skipped in the last completed iteration, by stage and reason",
    labelNames: ["stage", "reason"],
    registers,
  });
  const gatePassed = new Gauge({
    name: "jurist_gate_passed",
    help: "1 when the gate passed for the last reviewed candidate (label checkpoint), 0 when it failed",
    labelNames: ["gate", "checkpoint"],
    registers,
  });
  const reviews = new Counter({
    name: "jurist_candidate_reviews_total",
    help: "Candidates reviewed by the gates, by decision (promoted, rejected, held, error)",
    labelNames: ["decision"],
    registers,
  });
  const rejectedStreak = new Gauge({
    name: "jurist_candidate_rejected_streak",
    help: "Candidates rejected in a row since the last promotion (or since this process started)",
    registers,
  });
  // Every bounded series starts at 0 so dashboards and alerts read 0, not "no data".
  for (const name of STAGES) {
    stage.set({ stage: name }, 0);
    progress.set({ stage: name }, 0);
  }
  for (const outcome of ["completed", "failed"]) iterations.inc({ outcome }, 0);
  for (const decision of DECISIONS) reviews.inc({ decision }, 0);
  rejectedStreak.set(0);

  return {
    stageStarted(name: TrainerStageLabel): void {
      for (const other of STAGES) stage.set({ stage: other }, other === name ? 1 : 0);
      progress.set({ stage: name }, 0);
    },
    stageFinished(name: TrainerStageLabel, seconds: number, outcome: "ok" | "failed"): void {
      stage.set({ stage: name }, 0);
      stageSeconds.observe({ stage: name, outcome }, seconds);
    },
    records(name: TrainerStageLabel, written: number): void {
      progress.set({ stage: name }, written);
    },
    iterationStarted(n: number): void {
      iteration.set(n);
    },
    iterationEnded(outcome: "completed" | "failed", summary?: IterationSummary): void {
      iterations.inc({ outcome });
      if (outcome !== "completed" || !summary) return;
      lastSuccess.set(Date.now() / 1000);
      examples.set(summary.examples);
      retention.reset();
      for (const [type, ratio] of Object.entries(summary.retention)) {
        retention.set({ question_type: type }, ratio);
      }
      skips.reset();
      for (const skip of summary.skips) {
        skips.set({ stage: skip.stage, reason: skip.reason }, skip.count);
      }
    },
    backlog(count: number): void {
      backlog.set(count);
    },
    /**
     * A candidate's review: the decision and, when the gates ran, each gate's result for
     * `candidate` (the previous candidate's series are removed: one checkpoint at a time).
     */
    reviewed(
      decision: ReviewDecision,
      gates: readonly { name: string; passed: boolean }[] = [],
      candidate = "",
    ): void {
      reviews.inc({ decision });
      if (decision === "promoted") rejectedStreak.set(0);
      if (decision === "rejected") rejectedStreak.inc();
      if (gates.length === 0) return;
      gatePassed.reset();
      for (const gate of gates) {
        gatePassed.set({ gate: gate.name, checkpoint: candidate }, gate.passed ? 1 : 0);
      }
    },
  };
}

export type TrainerMetrics = ReturnType<typeof createTrainerMetrics>;
