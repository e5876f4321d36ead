import { type ClassAdmission, hasRoom } from "./class-admission.ts";

/** What routing knows of one replica: a snapshot, never a live read. */
export interface RouteCandidate {
  url: string;
  healthy: boolean;
  /** Epoch ms until which outlier ejection keeps traffic away; 0 when admitted. */
  ejectedUntil: number;
  /** Model ids and LoRA adapters the replica serves. */
  models: readonly string[];
  /** Requests this gateway has in flight on the replica. */
  inFlight: number;
  /** This gateway's concurrency limit for the replica. */
  maxInFlight: number;
  /** Batch-class calls among `inFlight`; absent means none. */
  batchInFlight?: number;
  /** The engine's own queue (`vllm:num_requests_waiting`) at the last poll. */
  waiting: number;
  /** Smoothed latency of recent calls, ms; breaks ties between equally loaded replicas. */
  latencyMs: number;
}

export interface RouteRequest {
  checkpoint: string;
  /** Replicas this request already failed on: a retry goes elsewhere. */
  exclude?: ReadonlySet<string>;
  /** The call's priority-class admission; absent → one limit for every call. */
  admission?: ClassAdmission | undefined;
}

/**
 * Where a request can go: a replica, or why none: `unknown` (no replica lists the checkpoint),
 * `unavailable` (those that do are unhealthy, ejected or excluded) or `full` (eligible ones are
 * at their concurrency limit — worth a short wait).
 */
export type Route<T> =
  | { replica: T }
  | { replica: null; reason: "unknown" | "unavailable" | "full" };

/**
 * Pure routing: only healthy, admitted replicas that serve the checkpoint and have a free slot
 * (for the call's class: see `hasRoom`);
 * power-of-two-choices on this gateway's in-flight plus the engine's queue; latency breaks ties.
 */
export function routeRequest<T extends RouteCandidate>(
  replicas: readonly T[],
  request: RouteRequest,
  now: number,
  random: () => number = Math.random,
): Route<T> {
  const serving = replicas.filter((r) => r.models.includes(request.checkpoint));
  if (serving.length === 0) return { replica: null, reason: "unknown" };
  const available = serving.filter(
    (r) => r.healthy && r.ejectedUntil <= now && !request.exclude?.has(r.url),
  );
  if (available.length === 0) return { replica: null, reason: "unavailable" };
  const free = available.filter((r) => hasRoom(r, request.admission));
  const picked = pickReplica(free, random);
  return picked ? { replica: picked } : { replica: null, reason: "full" };
}

/** Power-of-two-choices among `candidates`; null when there are none. */
export function pickReplica<T extends RouteCandidate>(
  candidates: readonly T[],
  random: () => number = Math.random,
): T | null {
  if (candidates.length <= 1) return candidates[0] ?? null;
  const first = Math.floor(random() * candidates.length);
  let second = Math.floor(random() * (candidates.length - 1));
  if (second >= first) second += 1;
  const a = candidates[first]!;
  const b = candidates[second]!;
  const loadA = a.inFlight + a.waiting;
  const loadB = b.inFlight + b.waiting;
  if (loadA !== loadB) return loadB < loadA ? b : a;
  return b.latencyMs < a.latencyMs ? b : a;
}
