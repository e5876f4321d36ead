/** What the shadow traffic of one candidate showed so far. */
export interface ShadowCounts {
  /** Shadow verdicts completed (errors excluded). */
  requests: number;
  /** The candidate named the champion's winner (a tie matching a tie included). */
  agreements: number;
  /** The candidate's two orders agreed. */
  consistent: number;
  /** The candidate's verdict could not be read in at least one order. */
  invalid: number;
}

/** One shadow verdict's outcome. */
export interface ShadowOutcome {
  agree: boolean;
  consistent: boolean | null;
  invalid: boolean;
}

/**
 * Where gateways count shadow outcomes and learn which candidate to shadow: Redis, so the
 * trainer's gate reads what every gateway saw; in memory for the embedded default.
 */
export interface ShadowStats {
  /** The checkpoint live traffic is shadowed to, or null. */
  target(): Promise<string | null>;
  setTarget(id: string | null): Promise<void>;
  record(candidate: string, outcome: ShadowOutcome): Promise<void>;
  counts(candidate: string): Promise<ShadowCounts>;
}

export const emptyShadowCounts = (): ShadowCounts => ({
  requests: 0,
  agreements: 0,
  consistent: 0,
  invalid: 0,
});

export function shadowIncrements(outcome: ShadowOutcome): Partial<ShadowCounts> {
  return {
    requests: 1,
    agreements: outcome.agree ? 1 : 0,
    consistent: outcome.consistent ? 1 : 0,
    invalid: outcome.invalid ? 1 : 0,
  };
}
