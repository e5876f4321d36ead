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
  /** Requests the engine was running (`vllm:num_requests_running`) at the last poll; absent → 0. */
  running?: number;
  /** This gateway's `inFlight` when the last poll read the engine's queue; absent → 0. */
  inFlightAtPoll?: number;
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
 * How loaded each replica looks for one routing decision, built once from this gateway's view
 * of the whole fleet (`replicas`) at `now`. Lower is better.
 */
export type LoadRule = (
  replicas: readonly RouteCandidate[],
  now: number,
) => (replica: RouteCandidate) => number;

/**
 * The rule before issue 20: this gateway's in-flight calls plus the engine's queue as last
 * polled. Kept for the routing benchmark's same-run comparison (loadtest/routing-herding.ts).
 * Every gateway reads the same queue, up to a poll interval old: at 20 gateways they all send to
 * the replica that had no queue at the last poll until the next one shows it has the longest
 * (herding), and this gateway's own count is a twentieth of what the replica carries.
 */
export const polledQueueLoad: LoadRule = () => (replica) => replica.inFlight + replica.waiting;

/**
 * The replica's load now, estimated: what the engine carried at the last poll (running plus
 * waiting, every gateway's calls) plus the change since then in this gateway's in-flight calls,
 * scaled by this gateway's share of the fleet's load. The other gateways see the same traffic
 * and route by the same rule, so what this gateway added to (or finished on) a replica since
 * the poll stands for what all of them did: a replica every gateway is piling onto looks
 * loaded at once, not a poll later. The share comes from the last poll, summed over the fleet
 * so that it is steady: the engines' load over this gateway's in-flight count (1 with one
 * gateway, where the estimate is this gateway's own in-flight count: exact). Never below this
 * gateway's own in-flight count, which is known for certain.
 */
export const extrapolatedLoad: LoadRule = (replicas) => {
  let engineLoad = 0;
  let ownAtPoll = 0;
  for (const replica of replicas) {
    engineLoad += polledLoad(replica);
    ownAtPoll += replica.inFlightAtPoll ?? 0;
  }
  const gatewaysSeen = ownAtPoll > 0 ? Math.max(1, engineLoad / ownAtPoll) : 1;
  return (replica) =>
    Math.max(
      replica.inFlight,
      polledLoad(replica) + gatewaysSeen * (replica.inFlight - (replica.inFlightAtPoll ?? 0)),
    );
};

/** What the engine carried at the last poll: running and waiting requests, from every gateway. */
function polledLoad(replica: RouteCandidate): number {
  return (replica.running ?? 0) + replica.waiting;
}

/**
 * Pure routing: only healthy, admitted replicas that serve the checkpoint and have a free slot
 * (for the call's class: see `hasRoom`); power-of-two-choices on the load `rule` estimates
 * (default {@link extrapolatedLoad}); latency breaks ties.
 */
export function routeRequest<T extends RouteCandidate>(
  replicas: readonly T[],
  request: RouteRequest,
  now: number,
  random: () => number = Math.random,
  rule: LoadRule = extrapolatedLoad,
): Route<T> {
  const serving = replicas.filter((r) => r.models.includes(request.checkpoint));
  if (serving.length === 0) return { replica: null, reason: "unknown" };
  const available = serving.filter(
    (r) => r.healthy && r.ejectedUntil <= now && !request.exclude?.has(r.url),
  );
  if (available.length === 0) return { replica: null, reason: "unavailable" };
  const free = available.filter((r) => hasRoom(r, request.admission));
  const picked = pickReplica(free, random, rule(replicas, now));
  return picked ? { replica: picked } : { replica: null, reason: "full" };
}

/** Power-of-two-choices among `candidates` on `load`; null when there are none. */
export function pickReplica<T extends RouteCandidate>(
  candidates: readonly T[],
  random: () => number = Math.random,
  load: (replica: RouteCandidate) => number = extrapolatedLoad(candidates, 0),
): T | null {
  if (candidates.length <= 1) return candidates[0] ?? null;
  const first = Math.floor(random() * candidates.length);
  let second = Math.floor(random() * (candidates.length - 1));
  if (second >= first) second += 1;
  const a = candidates[first]!;
  const b = candidates[second]!;
  const loadA = load(a);
  const loadB = load(b);
  if (loadA !== loadB) return loadB < loadA ? b : a;
  return b.latencyMs < a.latencyMs ? b : a;
}
