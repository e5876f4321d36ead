import type { Logger } from "pino";
import type { CompletionRequest, EngineSession, JudgeEngine } from "../core/types.ts";
import { AppError } from "../errors.ts";
import type { StructuredOutputField } from "./completion-wire.ts";
import { createEngineClient, type EngineClient, type ServedModel } from "./engine-client.ts";
import { pickReplica } from "./replica-routing.ts";
import { parseQueueDepth } from "./vllm-metrics.ts";

export interface ReplicaFleetOptions {
  /** Base URLs of the replicas. */
  urls: readonly string[];
  /** Pinned champion checkpoint; undefined → the first base model a healthy replica serves. */
  champion?: string | undefined;
  connectionsPerReplica: number;
  structuredOutputField: StructuredOutputField;
  /** How often health, models and queue depth are polled, ms. */
  healthIntervalMs: number;
  logger: Logger;
}

/** The latest known state of one replica, as pollers last saw it. */
export interface ReplicaSnapshot {
  url: string;
  healthy: boolean;
  models: ServedModel[];
  running: number;
  waiting: number;
  inFlight: number;
  /** When the replica was last polled (epoch ms), 0 before the first poll. */
  checkedAt: number;
  lastError: string | null;
}

interface Replica extends ReplicaSnapshot {
  id: string;
  client: EngineClient;
}

/**
 * The replicas behind the gateway. Pollers keep a snapshot per replica; `session` routes from
 * snapshots alone (no I/O on the request path). A replica whose connection fails is marked
 * unhealthy at once and re-admitted by the next successful poll.
 */
export function createReplicaFleet(options: ReplicaFleetOptions) {
  const replicas: Replica[] = options.urls.map((url) => ({
    id: url,
    url,
    client: createEngineClient({
      baseUrl: url,
      connections: options.connectionsPerReplica,
      structuredOutputField: options.structuredOutputField,
      probeTimeoutMs: Math.max(1_000, options.healthIntervalMs),
    }),
    healthy: false,
    models: [],
    running: 0,
    waiting: 0,
    inFlight: 0,
    checkedAt: 0,
    lastError: null,
  }));
  let discoveredChampion: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;

  async function pollReplica(replica: Replica): Promise<void> {
    const wasHealthy = replica.healthy;
    try {
      if (!(await replica.client.health())) throw new Error("/health did not answer 200");
      replica.models = await replica.client.models();
      const metrics = await replica.client.metrics();
      if (metrics) Object.assign(replica, parseQueueDepth(metrics));
      replica.healthy = true;
      replica.lastError = null;
    } catch (error) {
      replica.healthy = false;
      replica.lastError = (error as Error).message;
    }
    replica.checkedAt = Date.now();
    if (wasHealthy !== replica.healthy) {
      options.logger.info({ replica: replica.url, healthy: replica.healthy }, "replica health");
    }
  }

  /** Polls every replica once; concurrent callers share the running round. */
  function pollAll(): Promise<void> {
    polling ??= Promise.all(replicas.map(pollReplica)).then(() => {
      polling = undefined;
    });
    return polling;
  }

  function champion(): string | undefined {
    if (options.champion) return options.champion;
    if (!discoveredChampion) {
      const base = replicas.find((r) => r.healthy)?.models.find((m) => m.parent === null);
      discoveredChampion = base?.id;
    }
    return discoveredChampion;
  }

  function serving(checkpoint: string): Replica[] {
    return replicas.filter((r) => r.healthy && r.models.some((m) => m.id === checkpoint));
  }

  function session(checkpoint: string | undefined): EngineSession {
    const target = checkpoint ?? champion();
    if (!target) throw new AppError("NO_HEALTHY_REPLICA", "no healthy replica serves a model yet");
    const replica = pickReplica(serving(target));
    if (!replica) throw noReplicaFor(target, checkpoint !== undefined);
    return {
      checkpoint: target,
      replica: replica.url,
      complete: (request, signal) => complete(replica, target, request, signal),
    };
  }

  function noReplicaFor(target: string, pinned: boolean): AppError {
    const known = replicas.some((r) => r.models.some((m) => m.id === target));
    if (pinned && !known) {
      return new AppError("NOT_FOUND", `checkpoint '${target}' is not served by any replica`);
    }
    return new AppError("NO_HEALTHY_REPLICA", `no healthy replica serves '${target}'`, {
      retryAfterSeconds: Math.ceil(options.healthIntervalMs / 1000),
    });
  }

  async function complete(
    replica: Replica,
    model: string,
    request: CompletionRequest,
    signal?: AbortSignal,
  ) {
    replica.inFlight += 1;
    try {
      return await replica.client.chat(model, request, signal);
    } catch (error) {
      if (error instanceof AppError && error.code === "UPSTREAM_ERROR" && !signal?.aborted) {
        replica.healthy = false;
        replica.lastError = error.message;
      }
      throw error;
    } finally {
      replica.inFlight -= 1;
    }
  }

  return {
    /** Polls once (so the first request has snapshots), then keeps polling on the interval. */
    async start(): Promise<void> {
      await pollAll();
      timer = setInterval(() => void pollAll(), options.healthIntervalMs);
      timer.unref();
    },
    pollNow: pollAll,
    session,
    champion,
    snapshots(): ReplicaSnapshot[] {
      return replicas.map(({ id: _id, client: _client, ...snapshot }) => ({
        ...snapshot,
        models: [...snapshot.models],
      }));
    },
    async close(): Promise<void> {
      clearInterval(timer);
      await polling;
      await Promise.all(replicas.map((r) => r.client.close()));
    },
  } satisfies JudgeEngine & Record<string, unknown>;
}

export type ReplicaFleet = ReturnType<typeof createReplicaFleet>;
