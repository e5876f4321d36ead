/** Where a checkpoint stands. */
export type CheckpointStatus = "candidate" | "champion" | "retired" | "rejected";

/** A judge checkpoint the fleet can serve: a base model or a LoRA adapter. */
export interface CheckpointRecord {
  /** The id replicas serve it under (vLLM model or LoRA adapter name). */
  id: string;
  kind: "lora" | "full";
  /** The base model a LoRA adapter applies to; for `full`, the model itself. */
  baseModel: string;
  /** Where the weights are (a path or URI the replicas can load). */
  uri: string;
  /**
   * Kept for compatibility: the same as `init`, the checkpoint it was trained from (null for a
   * base model, or for a checkpoint trained from the base model). Read `init` and `judge`.
   */
  parent: string | null;
  /**
   * The checkpoint training started from (its weights were the fine-tune's `{init}`); null or
   * absent when it started from the base model, and for records that predate the field.
   */
  init?: string | null | undefined;
  /**
   * The checkpoint whose verdicts filtered its training data (the judge of the iteration that
   * made it); null or absent for a base model and records that predate the field.
   */
  judge?: string | null | undefined;
  /** Registration time, epoch ms. */
  created: number;
  status: CheckpointStatus;
  /** Where the gate report that judged it lives, if any. */
  gateReport: string | null;
  /** The gates' verdict, kept with the record so every gateway can list it. */
  gateSummary?: GateSummary | null | undefined;
}

/** What the gates decided about a candidate, in brief (the full report is at `gateReport`). */
export interface GateSummary {
  passed: boolean;
  simulated: boolean;
  /** The champion it was compared with. */
  champion: string;
  /** When the gates ran, ISO 8601. */
  at: string;
  gates: { name: string; passed: boolean; reason: string }[];
}

/** One change of champion, newest first in `history()`. */
export interface ChampionChange {
  from: string | null;
  to: string;
  /** `promote` or `rollback`. */
  action: "promote" | "rollback";
  at: number;
}

/** What subscribers hear when the champion changes. */
export interface ChampionEvent {
  champion: string;
  previous: string | null;
  action: "promote" | "rollback";
}

/** Outcome of a compare-and-set on the champion pointer. */
export type ChampionSwap =
  | { ok: true; champion: string; previous: string | null }
  | { ok: false; reason: "conflict"; actual: string | null }
  | { ok: false; reason: "unknown_checkpoint" }
  | { ok: false; reason: "no_previous" };

/**
 * The checkpoint registry port. The champion pointer changes only by compare-and-set, which
 * also records history and notifies every subscriber (every gateway).
 */
export interface CheckpointRegistry {
  /** Adds or replaces a record (status included). */
  register(record: CheckpointRecord): Promise<void>;
  get(id: string): Promise<CheckpointRecord | null>;
  list(): Promise<CheckpointRecord[]>;
  /** The current champion id, or null before the first promotion. */
  champion(): Promise<string | null>;
  /**
   * Makes `id` champion if the current champion equals `expected` (null: there is none yet).
   * The old champion becomes `retired`, the new one `champion`; history and event follow.
   */
  promote(id: string, expected: string | null): Promise<ChampionSwap>;
  /** Compare-and-set back to the champion before the current one (`expected` = current). */
  rollback(expected: string | null): Promise<ChampionSwap>;
  /** Champion changes, newest first, at most `limit`. */
  history(limit?: number): Promise<ChampionChange[]>;
  /** Calls `listener` on every champion change, from any gateway; returns an unsubscribe. */
  subscribe(listener: (event: ChampionEvent) => void): () => void;
  /** Sets a record's status and optional gate report reference. */
  setStatus(id: string, status: CheckpointStatus, gateReport?: string | null): Promise<void>;
}
