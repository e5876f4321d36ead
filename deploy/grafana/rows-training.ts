/** Rows about the trainer, the gates and the champion's history. */
import { type RowSpec, rate } from "./panel-spec.ts";

export const trainer: RowSpec = {
  title: "Trainer",
  panels: [
    {
      title: "Stage",
      description: "Which stage of an iteration the trainer runs.",
      type: "state-timeline",
      queries: [{ expr: "max by (stage) (jurist_trainer_stage)", legend: "{{stage}}" }],
    },
    {
      title: "Iteration and time since the last completed one",
      description: "The iteration running or last run; seconds since an iteration last completed.",
      type: "stat",
      queries: [
        { expr: "max(jurist_trainer_iteration)", legend: "iteration" },
        {
          expr: "time() - max(jurist_trainer_last_success_timestamp_seconds > 0)",
          legend: "seconds since last completed",
        },
      ],
    },
    {
      title: "Iterations by outcome (1 h)",
      description:
        "Completed and failed iterations in the last hour. Alert: JuristTrainerIterationFailed.",
      unit: "short",
      queries: [
        {
          expr: "sum by (outcome) (increase(jurist_trainer_iterations_total[1h]))",
          legend: "{{outcome}}",
        },
      ],
    },
    {
      title: "Stage records written",
      description: "Records the running iteration's current stage has written.",
      unit: "short",
      queries: [{ expr: "max by (stage) (jurist_trainer_stage_records)", legend: "{{stage}}" }],
    },
    {
      title: "Mean stage duration (1 d)",
      description: "Mean seconds per stage run over the last day.",
      unit: "s",
      queries: [
        {
          expr: "sum by (stage) (increase(jurist_trainer_stage_duration_seconds_sum[1d])) / sum by (stage) (increase(jurist_trainer_stage_duration_seconds_count[1d]))",
          legend: "{{stage}}",
        },
      ],
    },
    {
      title: "Backlog and dataset size",
      description: "Collected prompts the trainer has not taken yet; examples in the last dataset.",
      unit: "short",
      queries: [
        { expr: "max(jurist_trainer_backlog)", legend: "backlog" },
        { expr: "max(jurist_trainer_examples)", legend: "examples" },
      ],
    },
    {
      title: "Judge-filter retention by question type",
      description:
        "Share of synthesized pairs the judge kept in the last iteration. Near 0: the champion rejects its own pairs; near 1: the filter is not filtering.",
      unit: "percentunit",
      queries: [
        {
          expr: "max by (question_type) (jurist_trainer_retention_ratio)",
          legend: "{{question_type}}",
        },
      ],
    },
    {
      title: "Skips in the last iteration",
      description: "Prompts or pairs skipped, by stage and reason.",
      type: "bargauge",
      unit: "short",
      width: 16,
      queries: [
        {
          expr: "max by (stage, reason) (jurist_trainer_skips)",
          legend: "{{stage}} {{reason}}",
          instant: true,
        },
      ],
    },
  ],
};

export const gates: RowSpec = {
  title: "Gates and champion history",
  panels: [
    {
      title: "Champion",
      description: "The checkpoint each gateway serves as champion, over time.",
      type: "state-timeline",
      width: 24,
      queries: [{ expr: "max by (checkpoint) (jurist_champion_info)", legend: "{{checkpoint}}" }],
    },
    {
      title: "Gate results of the last reviewed candidate",
      description: "1 = passed, 0 = failed, per gate; the report under JURIST_DATA_DIR says why.",
      type: "table",
      width: 12,
      queries: [
        {
          expr: "max by (checkpoint, gate) (jurist_gate_passed)",
          legend: "{{gate}}",
          instant: true,
        },
      ],
    },
    {
      title: "Candidate reviews by decision (1 d)",
      description: "promoted, rejected, held, error.",
      unit: "short",
      width: 6,
      queries: [
        {
          expr: "sum by (decision) (increase(jurist_candidate_reviews_total[1d]))",
          legend: "{{decision}}",
        },
      ],
    },
    {
      title: "Rejected in a row",
      description: "Candidates rejected since the last promotion. Alert: JuristGateRejectedStreak.",
      type: "stat",
      width: 6,
      queries: [{ expr: "max(jurist_candidate_rejected_streak)", legend: "rejected in a row" }],
    },
    {
      title: "Replicas without the champion",
      description:
        "Healthy replicas a gateway could not load the LoRA champion on (promotion by quorum switched without them, or reconcile cannot load it back): they get no champion traffic. Alert: JuristReplicaMissingChampion.",
      unit: "short",
      width: 12,
      queries: [
        {
          expr: "sum(max by (replica) (jurist_replica_missing_champion))",
          legend: "replicas without it",
        },
      ],
    },
    {
      title: "Adapter loads refused by replica",
      description:
        "LoRA loads a replica refused or did not answer in time, in promotion, rollback and reconcile; the gateway's log has vLLM's reason.",
      unit: "short",
      width: 12,
      queries: [
        {
          expr: "sum by (replica) (increase(jurist_promotion_load_failures_total[1h]))",
          legend: "{{replica}}",
        },
      ],
    },
    {
      title: "Shadow verdicts by event",
      description:
        "Live verdicts judged again by a staged candidate: agree, disagree, error, dropped.",
      unit: "reqps",
      width: 24,
      queries: [
        {
          expr: `sum by (event) (${rate("jurist_shadow_requests_total")})`,
          legend: "{{event}}",
        },
      ],
    },
  ],
};
