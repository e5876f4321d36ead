import type { Logger } from "pino";
import type { Config } from "./config.ts";
import { createPairwiseJudge } from "./core/pairwise-judge.ts";
import { startEmbeddedSims } from "./embedded-sims.ts";
import { createReplicaFleet } from "./engine/replica-fleet.ts";
import { createImageIntake } from "./images/image-intake.ts";
import { createJudgeService } from "./judge-service.ts";

/**
 * Everything a gateway process runs, composed once from config and shared by the HTTP app
 * (and later the gRPC server). `close` stops it all in reverse order.
 */
export async function createRuntime(config: Config, logger: Logger) {
  const shutdown = new AbortController();
  let draining = false;
  const sims = config.engine.backends ? null : await startEmbeddedSims(config.sim, logger);
  const urls = config.engine.backends ?? sims?.urls ?? [];
  const fleet = createReplicaFleet({
    urls,
    champion: config.judge.champion,
    connectionsPerReplica: config.engine.connectionsPerReplica,
    structuredOutputField: config.engine.structuredOutputField,
    healthIntervalMs: config.engine.healthIntervalMs,
    logger,
  });
  await fleet.start();
  const intake = createImageIntake({
    maxBytes: config.images.maxBytes,
    fetchTimeoutMs: config.images.fetchTimeoutMs,
    maxRedirects: config.images.maxRedirects,
    allow: [...config.images.allow],
  });
  const judge = createPairwiseJudge({ engine: fleet, settings: config.judge });
  const isSimulated = (checkpoint: string) =>
    fleet.snapshots().some((r) => r.models.some((m) => m.id === checkpoint && m.simulated));
  const judgeService = createJudgeService({
    intake,
    judge,
    isSimulated,
    batchConcurrency: config.judge.batchConcurrency,
    logger,
  });

  return {
    config,
    fleet,
    judgeService,
    /** True when the replicas are in-process simulations, not real judges. */
    simulated: sims !== null,
    /** Aborted when in-flight work must stop: after the drain grace period, or on close. */
    shutdownSignal: shutdown.signal,
    /** True once shutdown began: readiness is false, in-flight requests may finish. */
    isDraining: () => draining,
    beginDrain: () => {
      draining = true;
    },
    /** Cancels whatever is still in flight (engine calls see an aborted signal). */
    abortInFlight: () => shutdown.abort(new Error("server shutting down")),
    async close(): Promise<void> {
      draining = true;
      shutdown.abort(new Error("server shutting down"));
      await fleet.close();
      await intake.close();
      await sims?.close();
    },
  };
}

export type Runtime = Awaited<ReturnType<typeof createRuntime>>;
