import type { Logger } from "pino";
import { AppError } from "../core/errors.ts";
import type { EngineSession, JudgeEngine, PriorityClass, SessionOptions } from "../core/types.ts";
import { parseVllmRelease } from "../core/vllm-release.ts";
import { createCapacityWaiters } from "./capacity-waiters.ts";
import { createClassLoad } from "./class-load.ts";
import { createEngineClient } from "./engine-client.ts";
import { createEngineSession } from "./engine-session.ts";
import {
  type FleetObserver,
  type FleetSettings,
  NO_OBSERVER,
  type Replica,
  type ReplicaSnapshot,
} from "./fleet-types.ts";
import { createLatencyTracker } from "./latency-tracker.ts";
import { usable } from "./replica-admission.ts";
import { classSlots } from "./replica-capacity.ts";
import { replicaId } from "./replica-id.ts";
import { pollReplica, type VersionBefore } from "./replica-poller.ts";
import { newReplica } from "./replica-record.ts";
import { createRetryBudget } from "./retry-budget.ts";
import { choiceFieldFor } from "./vllm-version.ts";

export type { FleetSettings, ReplicaSnapshot } from "./fleet-types.ts";

/** One warning per replica per this long about answers outside the choice list, ms. */
const UNCONSTRAINED_WARNING_INTERVAL_MS = 60_000;

export interface ReplicaFleetOptions {
  /** Replica base URLs to start with; discovery may replace them with `setReplicaUrls`. */
  urls: readonly string[];
  settings: FleetSettings;
  logger: Logger;
  observer?: FleetObserver;
}

/**
 * The replicas behind the gateway. Pollers keep a snapshot per replica; sessions route from
 * snapshots alone (no I/O on the request path), fail over, shed load and eject outliers.
 */
export function createReplicaFleet(options: ReplicaFleetOptions) {
  const { settings, logger } = options;
  const observer = options.observer ?? NO_OBSERVER;
  let replicas: Replica[] = [];
  let discoveredChampion: string | undefined;
  let assignedChampion = settings.champion;
  let timer: NodeJS.Timeout | undefined;
  /** This gateway's limit per replica now: the setting at first, then `setMaxInFlightPerReplica`. */
  let maxInFlight = settings.maxInFlightPerReplica;
  let polling: Promise<void> | undefined;
  let nextPolling: Promise<void> | undefined;
  const waiters = createCapacityWaiters({
    maxWaiters: {
      interactive: settings.admissionMaxWaiters,
      batch: settings.priority.batchAdmissionMaxWaiters,
    },
    prioritised: settings.priority.enabled,
  });
  /**
   * Per-replica log bookkeeping, keyed by the replica object rather than its URL: an entry
   * lives exactly as long as its replica, so replicas that leave (DNS discovery churning
   * through pod addresses) take theirs with them, and a URL that comes back starts afresh.
   */
  const lastUnconstrainedWarning = new WeakMap<Replica, number>();
  const unreadableVersionLogged = new WeakSet<Replica>();
  const shared = {
    replicas: () => replicas,
    settings,
    budget: createRetryBudget(settings.retryBudget),
    latency: createLatencyTracker(),
    waiters,
    classes: createClassLoad(settings.priority, waiters.size),
    observer,
    warnUnconstrained,
  };

  /**
   * Warns that a replica ignores the constrained-choice field, at most once a minute per
   * replica (every answer is counted in the metric and on /readyz regardless). The answer is
   * upstream model output: it is logged here and never shown on the open /readyz, which
   * names the replica by `replica_id` only.
   */
  function warnUnconstrained(replica: Replica): void {
    const now = Date.now();
    const last = lastUnconstrainedWarning.get(replica);
    if (last !== undefined && now - last < UNCONSTRAINED_WARNING_INTERVAL_MS) return;
    lastUnconstrainedWarning.set(replica, now);
    logger.warn(
      {
        replica: replica.url,
        replica_id: replicaId(replica.url),
        version: replica.version,
        field: replica.choiceField,
        answer: replica.unconstrained?.lastAnswer,
        answers: replica.unconstrained?.count,
      },
      "replica answered a constrained call outside its choices: it ignores the choice field " +
        "(set JURIST_STRUCTURED_OUTPUT_FIELD to the field its vLLM release has)",
    );
  }

  function createReplica(url: string): Replica {
    const client = createEngineClient({
      baseUrl: url,
      connections: settings.connectionsPerReplica,
      probeConnections: settings.probeConnections,
      keepAliveMs: settings.keepAliveMs,
      probeTimeoutMs: Math.max(1_000, settings.healthIntervalMs),
      apiKey: settings.apiKey,
      onStaleConnection: () => observer.staleConnection?.(url),
    });
    return newReplica(url, client, {
      maxInFlight,
      choiceField: choiceFieldFor(settings.structuredOutputField, null),
    });
  }

  async function poll(replica: Replica): Promise<void> {
    const result = await pollReplica(replica, settings.structuredOutputField);
    if (result.versionBefore) logVersion(replica, result.versionBefore, result.healthChanged);
    if (result.healthChanged) {
      logger.info({ replica: replica.url, healthy: replica.healthy }, "replica health changed");
      if (replica.healthy) shared.waiters.notify();
    }
  }

  /**
   * Says which field a replica's constrained calls carry when it joins or comes back. An
   * unreadable version is a warning (once per replica): `auto` then sends
   * `structured_outputs`, which releases before 0.11 ignore. Simulated replicas are exempt:
   * their version is not a vLLM release by design. A read while the replica stays healthy
   * (see replica-poller.ts) is logged only when it changed the version or the field.
   */
  function logVersion(replica: Replica, before: VersionBefore, joined: boolean): void {
    const fields = { replica: replica.url, version: replica.version, field: replica.choiceField };
    if (!joined) {
      if (before.version !== replica.version || before.field !== replica.choiceField) {
        logger.info({ ...fields, before }, "replica version changed");
      }
      return;
    }
    const readable = parseVllmRelease(replica.version) !== null;
    const simulated = replica.servedModels.some((model) => model.simulated);
    if (readable || simulated || settings.structuredOutputField !== "auto") {
      logger.info(fields, "replica version read");
    } else if (!unreadableVersionLogged.has(replica)) {
      unreadableVersionLogged.add(replica);
      logger.warn(fields, "replica version unreadable: constrained calls use structured_outputs");
    }
  }

  /** Polls every replica once; concurrent callers share the running round. */
  function pollAll(): Promise<void> {
    polling ??= Promise.all(replicas.map(poll)).then(() => {
      polling = undefined;
    });
    return polling;
  }

  /**
   * A round that starts after the call: a running round may have read a replica before the
   * caller changed it, so callers arriving mid-round share the next one instead.
   */
  function pollNow(): Promise<void> {
    if (!polling) return pollAll();
    nextPolling ??= polling.then(() => {
      nextPolling = undefined;
      return pollAll();
    });
    return nextPolling;
  }

  /**
   * Replaces the replica set: new URLs join (polled at once), vanished ones stop getting
   * traffic and their connections close once their in-flight calls finish.
   */
  async function setReplicaUrls(urls: readonly string[]): Promise<void> {
    const wanted = new Set(urls);
    const leaving = replicas.filter((r) => !wanted.has(r.url));
    const known = new Set(replicas.map((r) => r.url));
    const joining = [...wanted].filter((url) => !known.has(url)).map(createReplica);
    if (leaving.length === 0 && joining.length === 0) return;
    for (const replica of leaving) {
      replica.removed = true;
      void replica.client.close();
    }
    replicas = [...replicas.filter((r) => wanted.has(r.url)), ...joining];
    logger.info(
      { joined: joining.map((r) => r.url), left: leaving.map((r) => r.url) },
      "replica set changed",
    );
    await Promise.all(joining.map(poll));
  }

  function champion(): string | undefined {
    if (assignedChampion) return assignedChampion;
    if (!discoveredChampion) {
      const base = replicas.find((r) => r.healthy)?.servedModels.find((m) => m.parent === null);
      discoveredChampion = base?.id;
    }
    return discoveredChampion;
  }

  function session(checkpoint: string | undefined, options: SessionOptions = {}): EngineSession {
    const target = checkpoint ?? champion();
    if (!target) {
      throw new AppError("NO_HEALTHY_REPLICA", "no healthy replica serves a model yet", {
        retryAfterSeconds: Math.max(1, Math.ceil(settings.healthIntervalMs / 1000)),
      });
    }
    return createEngineSession(
      { ...shared, pinned: checkpoint !== undefined },
      target,
      options.priority ?? "interactive",
      options.work,
    );
  }

  /**
   * Changes the limit of every replica, and of those that join later. In-flight calls are never
   * cut: a lower limit admits fewer new ones until the count falls below it; a higher one lets
   * waiting calls in at once.
   */
  function setMaxInFlightPerReplica(limit: number): void {
    const next = Math.max(1, Math.floor(limit));
    if (next === maxInFlight) return;
    const raised = next > maxInFlight;
    maxInFlight = next;
    for (const replica of replicas) replica.maxInFlight = next;
    if (raised) waiters.notify();
  }

  function snapshot(replica: Replica): ReplicaSnapshot {
    return {
      url: replica.url,
      healthy: replica.healthy,
      ejected: replica.ejectedUntil > Date.now(),
      models: [...replica.servedModels],
      running: replica.running,
      waiting: replica.waiting,
      inFlight: replica.inFlight,
      maxInFlight: replica.maxInFlight,
      latencyMs: replica.latencyMs,
      checkedAt: replica.checkedAt,
      lastError: replica.lastError,
      version: replica.version,
      choiceField: replica.choiceField,
      unconstrained: replica.unconstrained ? { ...replica.unconstrained } : null,
    };
  }

  return {
    /** Joins the initial replicas, polls once, then keeps polling on the interval. */
    async start(): Promise<void> {
      await setReplicaUrls(options.urls);
      timer = setInterval(() => void pollAll(), settings.healthIntervalMs);
      timer.unref();
    },
    pollNow,
    setReplicaUrls,
    setMaxInFlightPerReplica,
    /** This gateway's limit per replica now. */
    maxInFlightPerReplica: (): number => maxInFlight,
    /**
     * Calls of `priority` this process may have in flight on the fleet now: its slots for that
     * class on every replica in rotation (for the trainer's class, its batch share). A sizing
     * hint, read when the fleet or the gateways counted change, not an admission guarantee.
     */
    capacity(priority: PriorityClass): number {
      const now = Date.now();
      const perReplica = classSlots(maxInFlight, priority, settings.priority);
      return replicas.filter((replica) => usable(replica, now)).length * perReplica;
    },
    session,
    champion,
    /** Sets the champion (from the checkpoint registry); takes effect for the next session. */
    setChampion(id: string): void {
      assignedChampion = id;
    },
    /** The first base model a healthy replica serves: the champion of a fresh registry. */
    discoveredBaseModel(): string | undefined {
      return replicas.find((r) => r.healthy)?.servedModels.find((m) => m.parent === null)?.id;
    },
    snapshots: (): ReplicaSnapshot[] => replicas.map(snapshot),
    /** Calls waiting for a replica slot right now, of every class. */
    waitingForCapacity: () => waiters.size(),
    /** Calls in flight and waiting for a slot now, per priority class (for gauges and tests). */
    classCounts: (priority: PriorityClass) => ({
      inFlight: shared.classes.inFlight(priority),
      waiting: waiters.size(priority),
    }),
    async close(): Promise<void> {
      clearInterval(timer);
      await (nextPolling ?? polling);
      await Promise.all(replicas.map((r) => r.client.close()));
    },
  } satisfies JudgeEngine & Record<string, unknown>;
}

export type ReplicaFleet = ReturnType<typeof createReplicaFleet>;
