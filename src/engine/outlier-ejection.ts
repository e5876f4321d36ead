export interface EjectionPolicy {
  /** Consecutive failed calls that eject a replica. */
  consecutiveFailures: number;
  /** First ejection's length, ms; each further ejection doubles it. */
  baseMs: number;
  /** Longest ejection, ms. */
  maxMs: number;
}

/** Per-replica failure state for outlier ejection. */
export interface EjectionState {
  consecutiveFailures: number;
  /** How many times the replica was ejected without a success in between re-admissions. */
  ejections: number;
  /** Epoch ms until which the replica gets no traffic; 0 when not ejected. */
  ejectedUntil: number;
}

export function freshEjectionState(): EjectionState {
  return { consecutiveFailures: 0, ejections: 0, ejectedUntil: 0 };
}

export function isEjected(state: EjectionState, now: number): boolean {
  return state.ejectedUntil > now;
}

/**
 * Records a failed call. Returns true when this failure ejects the replica: after
 * `consecutiveFailures` in a row, for `baseMs · 2^(ejections)` capped at `maxMs`.
 */
export function recordFailure(state: EjectionState, policy: EjectionPolicy, now: number): boolean {
  state.consecutiveFailures += 1;
  if (isEjected(state, now) || state.consecutiveFailures < policy.consecutiveFailures) return false;
  const length = Math.min(policy.maxMs, policy.baseMs * 2 ** state.ejections);
  state.ejections += 1;
  state.ejectedUntil = now + length;
  state.consecutiveFailures = 0;
  return true;
}

/** A success after re-admission ends the back-off: the next ejection starts short again. */
export function recordSuccess(state: EjectionState): void {
  state.consecutiveFailures = 0;
  state.ejections = 0;
}
