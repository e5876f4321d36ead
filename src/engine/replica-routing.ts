/** What routing knows of one replica: a snapshot, never a live read. */
export interface ReplicaLoad {
  id: string;
  /** Requests this gateway has in flight on the replica. */
  inFlight: number;
  /** The engine's own queue (`vllm:num_requests_waiting`) at the last poll. */
  waiting: number;
}

/**
 * Power-of-two-choices: sample two distinct candidates, keep the less loaded (this gateway's
 * in-flight plus the engine's queue). Pure: same inputs and random draws, same pick. Returns
 * null for no candidates.
 */
export function pickReplica<T extends ReplicaLoad>(
  candidates: readonly T[],
  random: () => number = Math.random,
): T | null {
  if (candidates.length === 0) return null;
  if (candidates.length === 1) return candidates[0]!;
  const first = Math.floor(random() * candidates.length);
  let second = Math.floor(random() * (candidates.length - 1));
  if (second >= first) second += 1;
  const a = candidates[first]!;
  const b = candidates[second]!;
  return load(b) < load(a) ? b : a;
}

function load(replica: ReplicaLoad): number {
  return replica.inFlight + replica.waiting;
}
