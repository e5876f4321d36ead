import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { type Logger, pino } from "pino";
import type { SimOptions } from "../../sim/sim-options.ts";
import { type SimServer, startSimServer } from "../../sim/sim-server.ts";
import { loadConfig } from "../../src/config/config.ts";
import { embeddedDefault } from "../../src/embedded-default.ts";
import { app } from "../../src/http/app.ts";
import { httpServerOptions } from "../../src/http/server-options.ts";
import { createRuntime, type Runtime, type RuntimeOptions } from "../../src/runtime/runtime.ts";

/** The part of tap's Test the helpers use, so they work with any subtest. */
export interface Teardown {
  teardown(fn: () => unknown): void;
}

/**
 * `JURIST_TEST_VLLM_VERSION=X.Y.Z` runs every in-process simulated replica in the simulator's
 * vLLM mode at that release, started as docs/deployment.md starts a real one (runtime LoRA and
 * prompt-token details on), so a suite can be run against vLLM's quirks (`npm run test:vllm`).
 */
export function vllmModeUnderTest(): Partial<SimOptions> {
  const version = process.env.JURIST_TEST_VLLM_VERSION;
  if (!version) return {};
  return {
    vllmVersion: version,
    enableLora: true,
    runtimeLoraUpdating: true,
    enablePromptTokensDetails: true,
  };
}

/** Starts simulated replicas on loopback port 0; they close when the test ends. */
export async function startSims(
  t: Teardown,
  count: number,
  options: Partial<SimOptions> = {},
): Promise<SimServer[]> {
  const sims = await Promise.all(
    Array.from({ length: count }, (_, index) =>
      startSimServer({ seed: index, latencyMs: 0, ...vllmModeUnderTest(), ...options }),
    ),
  );
  t.teardown(() => Promise.all(sims.map((sim) => sim.close())));
  return sims;
}

export interface TestGateway {
  fastify: FastifyInstance;
  runtime: Runtime;
  sims: SimServer[];
}

/**
 * A gateway app (not listening; use `fastify.inject`) in front of `replicas` simulated replica
 * servers started on port 0. `env` overrides configuration variables.
 */
export async function startGateway(
  t: Teardown,
  options: { replicas?: number; sim?: Partial<SimOptions>; env?: Record<string, string> } = {},
): Promise<TestGateway> {
  const sims = await startSims(t, options.replicas ?? 2, options.sim);
  const gateway = await buildGateway(t, {
    JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
    ...options.env,
  });
  return { ...gateway, sims };
}

/**
 * A gateway configured by `env` (which names its backends), built in this process and
 * closed when the test ends. `listen` makes it serve on a loopback port too; `logger` (default:
 * silent) is the gateway's; `beforeApp` may add root hooks, which run before the app's own.
 */
export async function buildGateway(
  t: Teardown,
  env: Record<string, string>,
  options: RuntimeOptions & {
    listen?: boolean;
    logger?: Logger;
    beforeApp?: (fastify: FastifyInstance) => void;
  } = {},
): Promise<{ fastify: FastifyInstance; runtime: Runtime; url: string }> {
  const config = loadConfig({
    JURIST_IMAGE_FETCH_ALLOW: "127.0.0.1",
    JURIST_LOG_LEVEL: "silent",
    // Each gateway its own data directory: the registry and keys files must not leak between tests.
    JURIST_DATA_DIR: mkdtempSync(join(tmpdir(), "jurist-test-data-")),
    ...env,
  });
  const { listen, logger = pino({ level: "silent" }), beforeApp, ...parts } = options;
  // The CLI's embedded default: simulated replicas when `env` names no backend, and the
  // embedded trainer when JURIST_TRAIN_EMBEDDED asks for it; a test may lend its own.
  const runtime = await createRuntime(config, logger, { ...embeddedDefault, ...parts });
  // The server's own options (limits, timeouts, protocol-error answers), as `jurist serve`.
  const fastify = Fastify(httpServerOptions(config, logger as FastifyBaseLogger));
  beforeApp?.(fastify);
  await fastify.register(app, { runtime });
  t.teardown(async () => {
    await fastify.close();
    await runtime.close();
  });
  const url = listen ? await fastify.listen({ host: "127.0.0.1", port: 0 }) : "";
  await fastify.ready();
  return { fastify, runtime, url };
}
