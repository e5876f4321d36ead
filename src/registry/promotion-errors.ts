import { AppError } from "../core/errors.ts";
import type { ChampionSwap } from "../store/checkpoint-registry.ts";

/**
 * Where staging a checkpoint stopped: `check_replicas` (no replica is up, or with a strict
 * quorum of 1 one is down), `load` (more replicas refused `/v1/load_lora_adapter` than the
 * quorum allows), `wait_listed` (too few replicas listed the adapter in time), `wait_healthy`
 * (no healthy replica serves a full checkpoint, or, strict, one that lists it is unhealthy,
 * when time ran out).
 */
export type PromotionStep = "check_replicas" | "load" | "wait_listed" | "wait_healthy";

/** One replica's part in a failed stage. */
export interface ReplicaProblem {
  replica: string;
  reason: string;
}

/**
 * A stage that failed: the replicas were left as they were (what this attempt loaded was
 * unloaded) and the champion was not touched. 502 PROMOTION_FAILED; the message names the step
 * and the first replica, because the admin calling needs exactly that and 5xx bodies carry no
 * `details`.
 */
export class PromotionError extends AppError {
  constructor(
    readonly checkpoint: string,
    readonly step: PromotionStep,
    readonly problems: readonly ReplicaProblem[],
    /** How far from its quorum the stage stayed, when that is why it failed. */
    quorumNote?: string,
  ) {
    const [first] = problems;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
    const where = first ? `replica ${first.replica}: ${first.reason}${more}` : "no replica";
    const quorum = quorumNote ? ` (${quorumNote})` : "";
    super(
      "PROMOTION_FAILED",
      `staging '${checkpoint}' failed at step ${step}: ${where}${quorum}; the champion is unchanged`,
      { details: problems.map((p) => ({ path: p.replica, reason: p.reason })) },
    );
    this.name = "PromotionError";
  }
}

/** The champion a swap produced, or the catalogue error for why it did not happen. */
export function swapOrThrow(
  swap: ChampionSwap,
  id: string | null,
): { champion: string; previous: string | null } {
  if (swap.ok) return { champion: swap.champion, previous: swap.previous };
  if (swap.reason === "unknown_checkpoint") {
    throw new AppError("NOT_FOUND", `checkpoint '${id}' is not registered`);
  }
  if (swap.reason === "no_previous") throw noPrevious();
  throw championConflict(swap.actual);
}

/** CONFLICT: the champion is not the one the caller expected. */
export function championConflict(actual: string | null): AppError {
  return new AppError("CONFLICT", "the champion changed meanwhile; read it and try again", {
    details: [{ path: "expected_champion", reason: `the champion is ${actual ?? "unset"}` }],
  });
}

/** CONFLICT: rollback with no promotion to undo. */
export function noPrevious(): AppError {
  return new AppError("CONFLICT", "there is no previous champion to roll back to");
}
