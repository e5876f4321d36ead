import { type LoadRule, type RouteCandidate, routeRequest } from "../src/engine/replica-routing.ts";
import { percentile } from "./latency-stats.ts";

/**
 * A discrete-event simulation of G gateways in front of R replicas, in one process, with the
 * REAL routing function (`routeRequest`) deciding every call. What is simulated:
 *
 * - Replicas: `slots` calls run at once (vLLM's `--max-num-seqs`), each for a service time drawn
 *   from a log-normal; the rest wait in the engine's FIFO queue. A running call's time does not
 *   depend on the batch (a simplification: real engines slow a little as the batch fills).
 * - Gateways: each has its own view of every replica, as `replica-poller.ts` keeps it: its own
 *   in-flight count per replica (exact, live), and the engine's `running`/`waiting` as read by
 *   its last poll, every `pollIntervalMs` (default `JURIST_HEALTH_INTERVAL_MS`, 2 s), each
 *   gateway at its own phase; `inFlightAtPoll` is set at the read as the poller sets it. A call
 *   that finds every replica at this gateway's limit waits at the gateway (admission) until
 *   one of its calls ends.
 * - Traffic: Poisson arrivals fleet-wide at `utilisation` of the fleet's capacity, each at a
 *   gateway chosen uniformly (a Service spreading connections evenly).
 *
 * Queue wait is a call's time from arriving at its gateway to starting on a replica: gateway
 * admission plus the engine's queue. Everything is seeded: one seed, one result.
 */
export interface FleetModel {
  gateways: number;
  replicas: number;
  /** Calls one replica runs at once. */
  slots: number;
  /** Median service time of one call, ms (log-normal). */
  serviceMedianMs: number;
  /** Log-normal shape (σ of the log). */
  serviceSigma: number;
  /** Offered load as a share of the fleet's capacity. */
  utilisation: number;
  /** This gateway's limit per replica (`JURIST_REPLICA_MAX_CONCURRENCY`). */
  maxInFlightPerReplica: number;
  pollIntervalMs: number;
  /** Simulated time measured, after `warmupMs` that is not. */
  durationMs: number;
  warmupMs: number;
  seed: number;
}

/**
 * Requests one poll of one replica makes (`readReplica` in replica-poller.ts: `/health`,
 * `/v1/models`, `/metrics`; `/version` every five minutes is left out).
 */
export const PROBE_REQUESTS_PER_POLL = 3;

export interface FleetOutcome {
  calls: number;
  p50WaitMs: number;
  p99WaitMs: number;
  meanWaitMs: number;
  /** Share of calls that waited at all. */
  waitedShare: number;
  /** Probe requests each replica received per second (every gateway's polls). */
  probesPerReplicaPerSecond: number;
}

/** A small seeded generator (mulberry32): the same seed gives the same run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Call {
  arrivedAt: number;
  gateway: number;
  replica: number;
}

interface SimReplica {
  busy: number;
  /** The engine's queue. */
  queue: Fifo<Call>;
}

/** What one gateway knows of one replica: the fields routing reads. */
interface View extends RouteCandidate {
  running: number;
  inFlightAtPoll: number;
}

interface SimGateway {
  views: View[];
  /** Calls waiting at this gateway for a replica slot (every replica at its limit). */
  pending: Fifo<Call>;
}

type Event =
  | { at: number; seq: number; kind: "arrive" }
  | { at: number; seq: number; kind: "finish"; call: Call }
  | { at: number; seq: number; kind: "poll"; gateway: number };

const CHECKPOINT = "judge";
const LATENCY_SMOOTHING = 0.2;

/** Runs the model with `rule` deciding every call; returns the queue waits measured. */
export function simulateFleet(model: FleetModel, rule: LoadRule): FleetOutcome {
  const random = seededRandom(model.seed);
  const routingRandom = seededRandom(model.seed ^ 0x9e3779b9);
  const events = new EventHeap();
  let seq = 0;
  const schedule = (event: DistributiveOmit<Event, "seq">) =>
    events.push({ ...event, seq: seq++ } as Event);

  const replicas: SimReplica[] = Array.from({ length: model.replicas }, () => ({
    busy: 0,
    queue: new Fifo<Call>(),
  }));
  const gateways: SimGateway[] = Array.from({ length: model.gateways }, () => ({
    views: replicas.map((_, index) => ({
      url: `replica-${index}`,
      healthy: true,
      ejectedUntil: 0,
      models: [CHECKPOINT],
      inFlight: 0,
      maxInFlight: model.maxInFlightPerReplica,
      waiting: 0,
      running: 0,
      inFlightAtPoll: 0,
      latencyMs: 0,
    })),
    pending: new Fifo<Call>(),
  }));

  const meanServiceMs = model.serviceMedianMs * Math.exp(model.serviceSigma ** 2 / 2);
  const capacityPerMs = (model.replicas * model.slots) / meanServiceMs;
  const arrivalsPerMs = model.utilisation * capacityPerMs;
  const endAt = model.warmupMs + model.durationMs;
  const waits: number[] = [];
  let probes = 0;

  const serviceMs = () => {
    // Box–Muller: a standard normal from two uniforms.
    const u = 1 - random();
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
    return model.serviceMedianMs * Math.exp(model.serviceSigma * normal);
  };

  const start = (call: Call, now: number) => {
    replicas[call.replica]!.busy += 1;
    if (call.arrivedAt >= model.warmupMs) waits.push(now - call.arrivedAt);
    schedule({ at: now + serviceMs(), kind: "finish", call });
  };

  /** Routes `call` at its gateway; false when every replica is at this gateway's limit. */
  const dispatch = (call: Call, now: number): boolean => {
    const gateway = gateways[call.gateway]!;
    const route = routeRequest(gateway.views, { checkpoint: CHECKPOINT }, now, routingRandom, rule);
    if (!route.replica) return false;
    route.replica.inFlight += 1;
    call.replica = gateway.views.indexOf(route.replica);
    const replica = replicas[call.replica]!;
    if (replica.busy < model.slots) start(call, now);
    else replica.queue.push(call);
    return true;
  };

  schedule({ at: exponential(random, arrivalsPerMs), kind: "arrive" });
  for (let g = 0; g < model.gateways; g++) {
    schedule({ at: random() * model.pollIntervalMs, kind: "poll", gateway: g });
  }

  for (let event = events.pop(); event && event.at < endAt; event = events.pop()) {
    const now = event.at;
    if (event.kind === "arrive") {
      const gateway = Math.floor(random() * model.gateways);
      const call: Call = { arrivedAt: now, gateway, replica: -1 };
      if (!dispatch(call, now)) gateways[gateway]!.pending.push(call);
      schedule({ at: now + exponential(random, arrivalsPerMs), kind: "arrive" });
    } else if (event.kind === "poll") {
      const gateway = gateways[event.gateway]!;
      replicas.forEach((replica, index) => {
        const view = gateway.views[index]!;
        view.running = replica.busy;
        view.waiting = replica.queue.size;
        view.inFlightAtPoll = view.inFlight;
      });
      if (now >= model.warmupMs) probes += PROBE_REQUESTS_PER_POLL * model.replicas;
      schedule({ at: now + model.pollIntervalMs, kind: "poll", gateway: event.gateway });
    } else {
      const { call } = event;
      const replica = replicas[call.replica]!;
      replica.busy -= 1;
      const gateway = gateways[call.gateway]!;
      const view = gateway.views[call.replica]!;
      view.inFlight -= 1;
      const ms = now - call.arrivedAt;
      view.latencyMs =
        view.latencyMs === 0 ? ms : view.latencyMs + LATENCY_SMOOTHING * (ms - view.latencyMs);
      const next = replica.queue.shift();
      if (next) start(next, now);
      for (let waiting = gateway.pending.peek(); waiting; waiting = gateway.pending.peek()) {
        if (!dispatch(waiting, now)) break;
        gateway.pending.shift();
      }
    }
  }

  const total = waits.reduce((sum, wait) => sum + wait, 0);
  return {
    calls: waits.length,
    p50WaitMs: percentile(waits, 50),
    p99WaitMs: percentile(waits, 99),
    meanWaitMs: total / waits.length,
    waitedShare: waits.filter((wait) => wait > 0).length / waits.length,
    probesPerReplicaPerSecond: probes / model.replicas / (model.durationMs / 1000),
  };
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function exponential(random: () => number, ratePerMs: number): number {
  return -Math.log(1 - random()) / ratePerMs;
}

/** A first-in first-out queue whose consumed head is dropped once long: flat memory. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    const item = this.items[this.head];
    if (item === undefined) return undefined;
    this.head += 1;
    if (this.head >= 1024) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/** A binary min-heap of events by time, then by scheduling order (deterministic ties). */
class EventHeap {
  private readonly items: Event[] = [];

  push(event: Event): void {
    const items = this.items;
    items.push(event);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(items[index]!, items[parent]!)) break;
      [items[index], items[parent]] = [items[parent]!, items[index]!];
      index = parent;
    }
  }

  pop(): Event | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || !last) return top;
    items[0] = last;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < items.length && before(items[left]!, items[smallest]!)) smallest = left;
      if (right < items.length && before(items[right]!, items[smallest]!)) smallest = right;
      if (smallest === index) break;
      [items[index], items[smallest]] = [items[smallest]!, items[index]!];
      index = smallest;
    }
    return top;
  }
}

function before(a: Event, b: Event): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
