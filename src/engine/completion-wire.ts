import type { Completion, CompletionRequest, TokenLogprob } from "../core/types.ts";

/**
 * Translation between the core's CompletionRequest and vLLM's OpenAI-compatible
 * `/v1/chat/completions` JSON. Kept apart from the HTTP client so it is testable without a
 * server and shared by every caller (judge, trainer).
 */

/** Which request field carries a constrained choice (vLLM ≥ 0.10.2 vs older releases). */
export type StructuredOutputField = "structured_outputs" | "guided_choice";

export function toChatBody(
  model: string,
  request: CompletionRequest,
  structuredOutputField: StructuredOutputField,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model,
    messages: request.messages,
    max_tokens: request.maxTokens,
    temperature: request.temperature,
    seed: request.seed,
    n: request.n ?? 1,
    logprobs: request.topLogprobs > 0,
    top_logprobs: request.topLogprobs,
  };
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.topK !== undefined) body.top_k = request.topK;
  if (request.choice) {
    if (structuredOutputField === "structured_outputs") {
      body.structured_outputs = { choice: request.choice };
    } else {
      body.guided_choice = request.choice;
    }
  }
  return body;
}

function readTokens(logprobs: unknown): TokenLogprob[] | null {
  const content = (logprobs as { content?: unknown } | null | undefined)?.content;
  if (!Array.isArray(content)) return null;
  return content.map((entry: { token?: unknown; logprob?: unknown; top_logprobs?: unknown }) => ({
    token: String(entry.token ?? ""),
    logprob: Number(entry.logprob),
    top: Array.isArray(entry.top_logprobs)
      ? entry.top_logprobs.map((alt: { token?: unknown; logprob?: unknown }) => ({
          token: String(alt.token ?? ""),
          logprob: Number(alt.logprob),
        }))
      : [],
  }));
}

/** Reads the choices of a chat completion body; throws on a body that has none. */
export function fromChatBody(body: unknown): Completion[] {
  const choices = (body as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices) || choices.length === 0) {
    throw new Error("chat completion without choices");
  }
  return choices.map(
    (choice: { message?: { content?: unknown }; logprobs?: unknown; finish_reason?: unknown }) => ({
      text: typeof choice.message?.content === "string" ? choice.message.content : "",
      tokens: readTokens(choice.logprobs),
      finishReason: typeof choice.finish_reason === "string" ? choice.finish_reason : null,
    }),
  );
}
