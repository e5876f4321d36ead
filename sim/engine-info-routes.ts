import type { FastifyInstance } from "fastify";
import type { SimState } from "./sim-state.ts";

/** The context length `/v1/models` reports. */
export const SIM_MAX_MODEL_LEN = 8192;

/** `/health`, `/v1/models` and `/metrics`, shaped as vLLM's. */
export function registerEngineInfoRoutes(app: FastifyInstance, state: SimState): void {
  const startedAt = Math.floor(Date.now() / 1000);

  // vLLM answers 503 with an empty body when its engine is dead; the rest keeps answering.
  app.get("/health", async (_request, reply) =>
    reply.code(state.options().healthy ? 200 : 503).send(),
  );

  app.get("/v1/models", async () => {
    const base = state.options().modelId;
    const card = (id: string, created: number, root: string, parent: string | null) => ({
      id,
      object: "model",
      created,
      owned_by: "jurist-sim",
      root,
      parent,
      max_model_len: state.options().maxModelLen ?? SIM_MAX_MODEL_LEN,
      simulated: true,
    });
    const adapters = state.adapters.list().map((a) => card(a.name, a.created, a.path, base));
    return {
      object: "list",
      data: [card(base, startedAt, base, null), ...adapters],
      simulated: true,
    };
  });

  app.get("/metrics", async (_request, reply) => {
    const options = state.options();
    const text = state.metrics.render({
      modelName: options.modelId,
      maxConcurrency: options.maxConcurrency,
      ...state.gate.stats(),
    });
    return reply.type("text/plain; version=0.0.4; charset=utf-8").send(text);
  });
}
