import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { SIM_MAX_MODEL_LEN } from "./engine-info-routes.ts";
import { openAiError } from "./openai-error.ts";
import type { SimState } from "./sim-state.ts";
import { tokenize } from "./sim-tokens.ts";

/**
 * vLLM's `POST /tokenize` for a text prompt (`TokenizeCompletionRequest` in
 * vllm/entrypoints/openai/protocol.py, later serve/tokenize/protocol.py): `{prompt,
 * add_special_tokens, return_token_strs}` → `{count, max_model_len, tokens, token_strs}`.
 * Outside `/v1`, so `--api-key` does not guard it. The simulated tokenizer has no special
 * tokens, so `add_special_tokens` changes nothing.
 */
const tokenizeRequest = z.object({
  model: z.string().nullish(),
  prompt: z.string(),
  add_special_tokens: z.boolean().nullish(),
  return_token_strs: z.boolean().nullish(),
});

/** Qwen2's vocabulary size: token ids stay in the range a real tokenizer's would. */
const VOCABULARY = 151_643;

/** A stable id per token string (FNV-1a), the same on every replica and run. */
export function tokenId(token: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(token, "utf8")) {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  }
  return hash % VOCABULARY;
}

export function registerTokenizeRoute(app: FastifyInstance, state: SimState): void {
  app.post("/tokenize", async (request, reply) => {
    const parsed = tokenizeRequest.safeParse(request.body);
    if (!parsed.success) {
      return reply.code(400).send(openAiError(400, z.prettifyError(parsed.error)));
    }
    if (parsed.data.model && !state.profileFor(parsed.data.model)) {
      const message = `The model \`${parsed.data.model}\` does not exist.`;
      return reply.code(404).send(openAiError(404, message));
    }
    const strings = tokenize(parsed.data.prompt);
    return {
      count: strings.length,
      max_model_len: state.options().maxModelLen ?? SIM_MAX_MODEL_LEN,
      tokens: strings.map(tokenId),
      token_strs: parsed.data.return_token_strs ? strings : null,
      simulated: true,
    };
  });
}
