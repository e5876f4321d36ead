import { setFlagsFromString } from "node:v8";
import Fastify from "fastify";
import { pino } from "pino";
import type { Config } from "./config/config.ts";
import { startGrpcServer } from "./grpc/grpc-server.ts";
import { app } from "./http/app.ts";
import { httpServerOptions } from "./http/server-options.ts";
import type { EmbeddedParts } from "./runtime/embedded-parts.ts";
import { createRuntime } from "./runtime/runtime.ts";

export interface StartedServer {
  /** Base URL the HTTP API listens on. */
  url: string;
  /** `host:port` the gRPC API listens on. */
  grpcAddress: string;
  /**
   * Drains: readiness turns false and new judging requests get 503, in-flight ones finish
   * (those still running after the drain timeout are cancelled), pools close.
   */
  close(): Promise<void>;
}

function exampleCurl(url: string): string {
  const body = JSON.stringify({
    question: "How many cats are on the sofa?",
    responses: ["There are two cats on the sofa.", "There is one dog on the sofa."],
  });
  return `curl -s ${url}/v1/judge/pairwise -H 'content-type: application/json' -d '${body}'`;
}

/**
 * Creates Fastify with explicit limits and timeouts (src/http/server-options.ts), registers the app and listens. The
 * caller (the CLI) wires signals to `close` and lends the embedded default's `parts`
 * (simulated replicas, the in-process trainer); without them only real replicas serve.
 */
export async function startServer(
  config: Config,
  parts: EmbeddedParts = {},
): Promise<StartedServer> {
  limitHeapGrowth(config.shedding.heapGrowthPercent);
  // Asynchronous writes: lines logged while a write is in flight go out together in the next,
  // instead of one blocking write per line on the request path. pino flushes what is left
  // synchronously when the process exits.
  const logger = pino(
    { level: config.logLevel, name: "jurist" },
    pino.destination({ dest: 1, sync: false }),
  );
  const runtime = await createRuntime(config, logger, parts);
  const fastify = Fastify(httpServerOptions(config, logger));
  await fastify.register(app, { runtime });
  // gRPC listens before HTTP: once `/readyz?scope=process` (the Kubernetes readiness probe)
  // answers at all, both transports take calls (src/runtime/readiness.ts).
  const grpc = await startGrpcServer(runtime, { logger }).catch(async (error: unknown) => {
    await fastify.close();
    await runtime.close();
    throw error;
  });
  await fastify.listen({ host: config.host, port: config.port }).catch(async (error: unknown) => {
    await grpc.close(0);
    await fastify.close();
    await runtime.close();
    throw error;
  });
  const address = fastify.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  logger.info({ url, grpc: grpc.address, simulated: runtime.simulated }, "jurist is serving");
  const warning = runtime.simulated
    ? "\nVerdicts are SIMULATED: no JURIST_BACKENDS set, so in-process simulated replicas judge.\n"
    : "";
  process.stdout.write(
    `${warning}\nJurist listens on ${url}. Try:\n\n  ${exampleCurl(url)}\n\n` +
      `gRPC (jurist.v1.JudgeService, grpc.health.v1.Health) listens on ${grpc.address}.\n\n`,
  );

  return {
    url,
    grpcAddress: grpc.address,
    async close() {
      runtime.beginDrain();
      const drainMs = config.shedding.drainTimeoutMs;
      const grace = setTimeout(runtime.abortInFlight, drainMs);
      await Promise.all([fastify.close(), grpc.close(drainMs)]);
      clearTimeout(grace);
      await runtime.close();
    },
  };
}

/**
 * Sets V8's heap growing factor for this process (it is read at every full collection, so
 * setting it at start-up works): under sustained load V8's own factor let the old generation
 * grow to about four times what was live, garbage the gateway never needed resident.
 */
function limitHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
