import { setMaxListeners } from "node:events";
import type { Logger } from "pino";
import type { Config } from "../../src/config/config.ts";
import { createMetrics, type Metrics } from "../../src/metrics/metrics.ts";
import type { Simulation } from "../../src/runtime/embedded-parts.ts";
import { createFleet } from "../../src/runtime/fleet-runtime.ts";
import { processPeerId } from "../../src/runtime/gateway-peer-count.ts";
import { shareOwnFleetWithPeers } from "../../src/runtime/gateway-peers-runtime.ts";
import { createStores, type Stores } from "../../src/store/create-stores.ts";
import { resolveGateBenchmarks } from "../gates/gate-benchmarks.ts";
import { createFileTrainerState } from "../state/file-trainer-state.ts";
import { createRedisTrainerState } from "../state/redis-trainer-state.ts";
import type { TrainerStateStore } from "../state/trainer-state.ts";
import { loadContaminationIndex } from "./contamination-sources.ts";
import { type TrainerEnv, trainerDir } from "./iteration-runner.ts";

/** The trainer's state store: Redis when the stores use it, else files. */
export function trainerStateFor(config: Config, stores: Pick<Stores, "redis">): TrainerStateStore {
  return stores.redis
    ? createRedisTrainerState(stores.redis)
    : createFileTrainerState(trainerDir(config));
}

/** A trainer environment and what it opened. */
export interface OpenedTrainer {
  env: TrainerEnv;
  stores: Stores;
  metrics: Metrics;
  close(): Promise<void>;
}

/**
 * Opens what a trainer process needs on its own (`jurist train`, `jurist trainer`): the
 * stores, the replica fleet (in-process simulated replicas when no backend is configured,
 * like `serve`), metrics, the state store and the contamination index.
 *
 * Its fleet sends calls of its own to the replicas the gateways share, so it counts among
 * their peers (as `peerId`, default `trainer:<host>-<pid>-<random>`) for as long as it is
 * open, unless its replicas are its own in-process simulations: the gateways divide each replica by one more, and its per-replica limit, which its
 * synthesis and judge-filter concurrency follow (trainer-capacity.ts), is its part alike.
 */
export async function openTrainerEnv(
  config: Config,
  logger: Logger,
  simulation?: Simulation,
  peerId = `trainer:${processPeerId()}`,
): Promise<OpenedTrainer> {
  const metrics = createMetrics();
  // Its Redis failures (XGROUP CREATE, XREADGROUP, the lease) reach its /metrics too.
  const stores = await createStores(config, logger, { redisError: metrics.redis.error });
  metrics.redis.observe(stores.redisStates, stores.legacyKeys);
  const opened = await createFleet(config, logger, metrics, { simulation }).catch(
    async (error: unknown) => {
      await stores.close();
      throw error;
    },
  );
  // In-process simulated replicas are this process's alone: no gateway shares them.
  const peers = await shareOwnFleetWithPeers(config, logger, {
    opened,
    stores,
    metrics,
    id: peerId,
  });
  const close = async () => {
    // Leaves at once, so the gateways take its part back without waiting out its beat.
    await peers?.stop();
    await opened.close();
    await stores.close();
  };
  try {
    const benchmarks = await resolveGateBenchmarks(config, opened.simulated, logger, simulation);
    const env: TrainerEnv = {
      config,
      logger,
      fleet: opened.fleet,
      simulated: opened.simulated,
      registry: stores.registry,
      state: trainerStateFor(config, stores),
      contamination: await loadContaminationIndex(benchmarks, logger),
      benchmarks,
      metrics: metrics.trainer,
    };
    return { env, stores, metrics, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** An abort signal many engine calls listen on at once (each lets go when it ends). */
export function sharedSignal(signal?: AbortSignal): AbortSignal {
  const shared = signal ?? new AbortController().signal;
  setMaxListeners(0, shared);
  return shared;
}
