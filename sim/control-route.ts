import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { openAiError } from "./openai-error.ts";
import { type SimOptions, simOptionsSchema } from "./sim-options.ts";
import type { SimState } from "./sim-state.ts";

const option = simOptionsSchema.shape;

/**
 * The body of `POST /control`: what a test may change on a live replica, in snake_case as
 * the rest of the wire, every field optional and checked as at start. Unknown fields are
 * refused so a typo cannot pass for a no-op.
 */
export const controlBodySchema = z.strictObject({
  latency_ms: option.latencyMs.unwrap().optional(),
  error_rate: option.errorRate.unwrap().optional(),
  invalid_rate: option.invalidRate.unwrap().optional(),
  accuracy: option.accuracy.unwrap().optional(),
  position_bias: option.positionBias.unwrap().optional(),
  /** Replaces the whole table; `{}` clears it. */
  category_accuracy: option.categoryAccuracy.unwrap().optional(),
  healthy: option.healthy.unwrap().optional(),
  stall: option.stall.unwrap().optional(),
  model_id: option.modelId.unwrap().optional(),
  max_concurrency: option.maxConcurrency.unwrap().optional(),
});

/** A `POST /control` body. */
export type ControlBody = z.output<typeof controlBodySchema>;

/** The effective settings `/control` answers with, under the names its body takes. */
export type ControlSettings = Required<ControlBody> & { simulated: true };

/** Each control field and the option it sets. */
const FIELDS = {
  latency_ms: "latencyMs",
  error_rate: "errorRate",
  invalid_rate: "invalidRate",
  accuracy: "accuracy",
  position_bias: "positionBias",
  category_accuracy: "categoryAccuracy",
  healthy: "healthy",
  stall: "stall",
  model_id: "modelId",
  max_concurrency: "maxConcurrency",
} as const satisfies Record<keyof ControlBody, keyof SimOptions>;

function toPatch(body: ControlBody): Partial<SimOptions> {
  const patch: Record<string, unknown> = {};
  for (const [field, key] of Object.entries(FIELDS)) {
    const value = body[field as keyof ControlBody];
    if (value !== undefined) patch[key] = value;
  }
  return patch as Partial<SimOptions>;
}

function settingsOf(options: Readonly<SimOptions>): ControlSettings {
  const entries = Object.entries(FIELDS).map(([field, key]) => [field, options[key]]);
  return { ...(Object.fromEntries(entries) as Required<ControlBody>), simulated: true };
}

/**
 * `GET /control` reads and `POST /control` changes a live replica's latency, failure rates,
 * judge quality (accuracy, per-category accuracy, position bias), health, stall, served model and concurrency, answering with the resulting
 * settings. A bad body is a 400 in vLLM's error shape and changes nothing.
 */
export function registerControlRoute(app: FastifyInstance, state: SimState): void {
  app.get("/control", async () => settingsOf(state.options()));

  app.post("/control", async (request, reply) => {
    const parsed = controlBodySchema.safeParse(request.body);
    if (!parsed.success) {
      return reply.code(400).send(openAiError(400, z.prettifyError(parsed.error)));
    }
    try {
      state.setOptions(toPatch(parsed.data));
    } catch (error) {
      return reply.code(400).send(openAiError(400, (error as Error).message));
    }
    request.log.info({ control: parsed.data }, "simulated engine settings changed");
    return settingsOf(state.options());
  });
}
