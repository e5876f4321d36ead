import { setTimeout as sleep } from "node:timers/promises";
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { createChatCompletion, type ModelProfile } from "./chat-completion.ts";
import { type ChatRequest, chatRequestSchema } from "./chat-request.ts";
import { openAiError } from "./openai-error.ts";
import type { SimState } from "./sim-state.ts";

/** `POST /v1/chat/completions`: validate, find the model, then queue and answer. */
export function registerChatRoute(app: FastifyInstance, state: SimState): void {
  app.post("/v1/chat/completions", async (request, reply) => {
    const parsed = chatRequestSchema.safeParse(request.body);
    if (!parsed.success) {
      return reply.code(400).send(openAiError(400, z.prettifyError(parsed.error)));
    }
    const profile = state.profileFor(parsed.data.model);
    if (!profile) {
      const message = `The model \`${parsed.data.model}\` does not exist.`;
      return reply.code(404).send(openAiError(404, message));
    }
    return complete(state, parsed.data, profile, reply);
  });
}

/**
 * Holds a concurrency slot for the simulated latency, then fails (errorRate) or answers.
 * Only successes count in the request and token counters, as in vLLM.
 */
async function complete(
  state: SimState,
  request: ChatRequest,
  profile: ModelProfile,
  reply: FastifyReply,
) {
  const started = performance.now();
  await state.gate.acquire();
  try {
    const draw = state.nextDraw();
    if (draw.latencyMs > 0) await sleep(draw.latencyMs);
    if (draw.fail) {
      return reply.code(500).send(openAiError(500, "Simulated engine failure (errorRate)."));
    }
    const body = createChatCompletion(request, profile, state.options(), unixSeconds());
    state.metrics.record({
      promptTokens: body.usage.prompt_tokens,
      generationTokens: body.usage.completion_tokens,
      finishReason: body.choices[0]?.finish_reason ?? "stop",
      seconds: (performance.now() - started) / 1000,
    });
    return body;
  } finally {
    state.gate.release();
  }
}

function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
