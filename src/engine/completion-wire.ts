import type {
  Completion,
  CompletionRequest,
  PromptTokenUsage,
  TokenLogprob,
} from "../core/types.ts";
import type { ChoiceField } from "../core/vllm-release.ts";

/**
 * Translation between the core's CompletionRequest and vLLM's OpenAI-compatible
 * `/v1/chat/completions` JSON. Kept apart from the HTTP client so it is testable without a
 * server and shared by every caller (judge, trainer).
 */

/** Which request field carries a constrained choice (src/core/vllm-release.ts: which release reads which). */
export type StructuredOutputField = ChoiceField;

/**
 * `vllmPriority` is vLLM's per-request `priority` (src/core/vllm-priority.ts): written only when
 * given, since a replica without `--scheduling-policy priority` may refuse a non-zero one.
 */
export function toChatBody(
  model: string,
  request: CompletionRequest,
  structuredOutputField: StructuredOutputField,
  vllmPriority?: number,
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
  if (vllmPriority !== undefined) body.priority = vllmPriority;
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

/**
 * vLLM's `usage` (`UsageInfo` in vllm/entrypoints/openai/protocol.py): `prompt_tokens`, and
 * `prompt_tokens_details.cached_tokens` only when the server runs with
 * `--enable-prompt-tokens-details` and some were cached (serving_chat.py sets the details
 * under `if self.enable_prompt_tokens_details and final_res.num_cached_tokens`). Unreadable
 * usage is no usage: accounting must never fail a verdict.
 */
export function readPromptUsage(usage: unknown): PromptTokenUsage | undefined {
  const { prompt_tokens: total, prompt_tokens_details: details } =
    (usage as { prompt_tokens?: unknown; prompt_tokens_details?: unknown } | null) ?? {};
  if (typeof total !== "number" || !Number.isFinite(total) || total < 0) return undefined;
  const cached = (details as { cached_tokens?: unknown } | null | undefined)?.cached_tokens;
  return {
    total,
    cached:
      typeof cached === "number" && Number.isFinite(cached) && cached >= 0
        ? Math.min(cached, total)
        : null,
  };
}

/** Reads the choices of a chat completion body; throws on a body that has none. */
export function fromChatBody(body: unknown): Completion[] {
  const { choices, usage } = (body as { choices?: unknown; usage?: unknown } | null) ?? {};
  if (!Array.isArray(choices) || choices.length === 0) {
    throw new Error("chat completion without choices");
  }
  const prompt = readPromptUsage(usage);
  return choices.map(
    (choice: { message?: { content?: unknown }; logprobs?: unknown; finish_reason?: unknown }) => ({
      text: typeof choice.message?.content === "string" ? choice.message.content : "",
      tokens: readTokens(choice.logprobs),
      finishReason: typeof choice.finish_reason === "string" ? choice.finish_reason : null,
      ...(prompt ? { prompt } : {}),
    }),
  );
}
