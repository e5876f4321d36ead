import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { openAiError } from "./openai-error.ts";
import type { SimState } from "./sim-state.ts";

const loadBody = z.object({ lora_name: z.string().min(1), lora_path: z.string().min(1) });
const unloadBody = z.object({ lora_name: z.string().min(1) });

/** vLLM's runtime LoRA endpoints, with its status codes and wording. */
export function registerLoraRoutes(app: FastifyInstance, state: SimState): void {
  app.post("/v1/load_lora_adapter", async (request, reply) => {
    const parsed = loadBody.safeParse(request.body);
    if (!parsed.success)
      return reply.code(400).send(openAiError(400, z.prettifyError(parsed.error)));
    const { lora_name: name, lora_path: path } = parsed.data;
    if (!state.loraEnabled()) {
      // The worker refuses without --enable-lora (vllm/v1/worker/lora_model_runner_mixin.py,
      // `_ensure_lora_enabled`) and serving_models.py answers any load failure 400.
      const message = "LoRA is not enabled. Use --enable-lora to enable LoRA.";
      return reply.code(400).send(openAiError(400, message));
    }
    const result = await state.adapters.load(name, path, [state.options().modelId]);
    if ("status" in result) {
      return reply
        .code(result.status)
        .send(openAiError(result.status, result.message, result.type));
    }
    request.log.info({ adapter: result }, "simulated LoRA adapter loaded");
    return reply
      .type("text/plain; charset=utf-8")
      .send(`Success: LoRA adapter '${name}' added successfully.`);
  });

  app.post("/v1/unload_lora_adapter", async (request, reply) => {
    const parsed = unloadBody.safeParse(request.body);
    if (!parsed.success)
      return reply.code(400).send(openAiError(400, z.prettifyError(parsed.error)));
    const name = parsed.data.lora_name;
    if (!state.adapters.unload(name)) {
      return reply.code(404).send(openAiError(404, `The lora adapter '${name}' cannot be found.`));
    }
    request.log.info({ adapter: name }, "simulated LoRA adapter unloaded");
    return reply
      .type("text/plain; charset=utf-8")
      .send(`Success: LoRA adapter '${name}' removed successfully.`);
  });
}
