import type { Logger } from "pino";
import { startSimServer } from "./sim-server.ts";

/** How many replicas to start and how they judge (JURIST_SIM_* settings). */
export interface EmbeddedSimSettings {
  replicas: number;
  seed: number;
  accuracy: number;
  positionBias: number;
  latencyMs: number;
}

/**
 * The embedded default: simulated replicas in this process, each a real HTTP server on a
 * loopback port, so the gateway talks to them exactly as to vLLM.
 */
export async function startEmbeddedSims(settings: EmbeddedSimSettings, logger: Logger) {
  const servers = await Promise.all(
    Array.from({ length: settings.replicas }, (_, index) =>
      startSimServer({
        seed: settings.seed + index,
        accuracy: settings.accuracy,
        positionBias: settings.positionBias,
        latencyMs: settings.latencyMs,
      }),
    ),
  );
  const urls = servers.map((server) => server.url);
  logger.warn(
    { replicas: urls },
    "JURIST_BACKENDS is unset: serving SIMULATED verdicts from in-process simulated replicas",
  );
  return {
    urls,
    close: async () => {
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}
