import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import { registerChatRoute } from "./chat-route.ts";
import { registerControlRoute } from "./control-route.ts";
import { registerEngineInfoRoutes } from "./engine-info-routes.ts";
import { registerLoraRoutes } from "./lora-routes.ts";
import { openAiError } from "./openai-error.ts";
import type { SimOptions } from "./sim-options.ts";
import { createSimState, type SimState } from "./sim-state.ts";
import { registerTokenizeRoute } from "./tokenize-route.ts";
import { registerApiKeyCheck } from "./vllm/api-key.ts";
import { registerVersionRoute } from "./vllm/version-route.ts";

/** Request bodies carry images as data URIs, so allow far more than Fastify's 1 MiB. */
const BODY_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * uvicorn's idle keep-alive in vLLM: `timeout_keep_alive=TIMEOUT_KEEP_ALIVE` (5 s) in
 * vllm/entrypoints/openai/api_server.py, later `envs.VLLM_HTTP_TIMEOUT_KEEP_ALIVE` (default
 * "5", vllm/envs.py). The lenient engine keeps Fastify's 72 s.
 */
const VLLM_KEEP_ALIVE_MS = 5_000;

/**
 * Node's http server closes an idle keep-alive socket `keepAliveTimeout` + 1 s after the last
 * response (measured on Node 20: 6.0 s for 5000), so the setting is 1 s short of vLLM's 5 s.
 */
const NODE_KEEP_ALIVE_GRACE_MS = 1_000;

export interface SimAppSettings {
  /** Log requests with pino (every line prefixed "[simulated vLLM]"); default false. */
  logger?: boolean;
}

/** Builds, without listening, a Fastify app that answers as one simulated vLLM replica. */
export function createSimApp(
  options: Readonly<SimOptions>,
  settings: SimAppSettings = {},
): { app: FastifyInstance; state: SimState } {
  const app = Fastify({
    // Logs go to stderr: `jurist sim` keeps stdout for its one machine-readable line.
    logger: settings.logger
      ? {
          msgPrefix: "[simulated vLLM] ",
          base: { engine: "jurist-sim", simulated: true },
          stream: process.stderr,
        }
      : false,
    bodyLimit: BODY_LIMIT_BYTES,
    ...(options.vllmVersion !== undefined
      ? { keepAliveTimeout: VLLM_KEEP_ALIVE_MS - NODE_KEEP_ALIVE_GRACE_MS }
      : {}),
  });
  const state = createSimState(options);
  // Every response says it is simulated, even those whose body cannot (/health, LoRA text).
  app.addHook("onSend", async (_request, reply) => {
    reply.header("x-jurist-simulated", "true");
    // uvicorn sends no `Keep-Alive: timeout=` hint (it adds only `server` and `date`); Node
    // would, and undici obeys it, so a client would close early here as it never does against
    // vLLM. An explicit `connection` header makes Node leave the hint out.
    if (options.vllmVersion !== undefined) reply.header("connection", "keep-alive");
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, "simulated engine failed");
    const message = status >= 500 ? "Internal error in the simulated engine." : error.message;
    return reply.code(status).send(openAiError(status, message));
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ detail: "Not Found", simulated: true }),
  );
  registerApiKeyCheck(app, state);
  registerEngineInfoRoutes(app, state);
  registerVersionRoute(app, state);
  // vLLM registers the LoRA routes only with VLLM_ALLOW_RUNTIME_LORA_UPDATING set
  // (vllm/entrypoints/openai/api_server.py); without it they are FastAPI's 404 {"detail": "Not Found"}.
  if (options.runtimeLoraUpdating ?? options.vllmVersion === undefined)
    registerLoraRoutes(app, state);
  registerChatRoute(app, state);
  registerTokenizeRoute(app, state);
  if (options.control) registerControlRoute(app, state);
  // Stalled completions never finish on their own; without this, close() would wait forever.
  app.addHook("preClose", async () => state.stall.shutdown());
  return { app, state };
}
