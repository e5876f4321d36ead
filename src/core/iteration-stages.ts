/**
 * The stages of one self-improvement iteration, in the order they run. The trainer runs them
 * (trainer/stages); the gateway's metrics label by them (src/metrics/trainer-metrics.ts), so
 * that every gateway exports the trainer's series from the start, as dashboards expect.
 */
export const ITERATION_STAGES = [
  "intake",
  "classify",
  "synthesize",
  "judge",
  "dataset",
  "fine-tune",
  "register",
] as const;

export type IterationStage = (typeof ITERATION_STAGES)[number];
