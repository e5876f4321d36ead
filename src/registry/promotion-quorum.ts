/**
 * How many replicas must list a checkpoint before the champion may switch to it
 * (JURIST_PROMOTION_QUORUM, docs/evaluation.md#promotion-by-quorum).
 *
 * - `strict` (a quorum of 1, the behaviour before quorums): every replica the fleet knows, up
 *   or down, must be healthy and list it; one that is down fails the stage.
 * - Otherwise the quorum is a share of the replicas that are healthy: those healthy when the
 *   stage began and still healthy when it decides. Replicas that are down do not count and do
 *   not block (the reconcile loop loads them when they return); a healthy replica that cannot
 *   load it, or does not list it in time, counts against.
 *
 * Rollback stages with the same share, never strict (`rollbackRule`): replicas that are down
 * are skipped, and a healthy one that refuses counts against the share like in a promotion.
 * Reconcile stages nothing: it loads where the champion is missing (`loadOn`).
 */
export interface StageRule {
  /** Share of the counted replicas that must list the checkpoint, 0 < share ≤ 1. */
  share: number;
  /** Every replica counts, down ones included (a quorum of 1 for promotion). */
  strict: boolean;
}

/** Promotion's rule for a configured quorum: 1 is strict, anything less counts healthy ones. */
export function promotionRule(quorum: number): StageRule {
  return { share: quorum, strict: quorum >= 1 };
}

/** Every healthy replica; down ones never block (rollback's rule at a quorum of 1). */
export const EVERY_HEALTHY: StageRule = { share: 1, strict: false };

/**
 * Rollback's rule for a configured quorum: the same share, down replicas skipped. Rollback is
 * the way out of a bad promotion and must never be harder than it: held to every healthy
 * replica, a replica the quorum switched without (one that refuses every load) blocked each
 * rollback at step `load`.
 */
export function rollbackRule(quorum: number): StageRule {
  return { share: Math.min(1, quorum), strict: false };
}

/**
 * Replicas that must list the checkpoint out of `counted`: ⌈share × counted⌉, at least one.
 * The tolerance keeps a share that is not exact in binary (0.7 × 10 = 7.000000000000001)
 * from asking one replica more than the operator meant.
 */
export function requiredListings(share: number, counted: number): number {
  return Math.max(1, Math.ceil(share * counted - 1e-9));
}
