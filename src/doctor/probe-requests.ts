import { renderPairwisePrompt } from "../core/pairwise-template.ts";
import type { CompletionRequest, JudgeMode, ResolvedImage } from "../core/types.ts";
import { type StructuredOutputField, toChatBody } from "../engine/completion-wire.ts";

/** A short pairwise task in the gateway's own template, so the replica sees what it will see. */
function probeMessages(mode: JudgeMode, images: ResolvedImage[]) {
  return renderPairwisePrompt({
    question: "How many apples are on the table?",
    images,
    slotA: "There are three apples on the table.",
    slotB: "There are two apples and a pear on the table.",
    mode,
  });
}

/** A fast verdict's body exactly as the gateway builds it: one constrained A/B token. */
export function fastVerdictBody(model: string, field: StructuredOutputField, topLogprobs: number) {
  const request: CompletionRequest = {
    messages: probeMessages("fast", []),
    maxTokens: 1,
    temperature: 0,
    seed: 0,
    topLogprobs,
    choice: ["A", "B"],
  };
  return toChatBody(model, request, field);
}

/** A reasoned verdict's body with `images` and the gateway's token budget. */
export function reasonedVerdictBody(
  model: string,
  field: StructuredOutputField,
  settings: { maxTokens: number; topLogprobs: number },
  images: ResolvedImage[],
) {
  const request: CompletionRequest = {
    messages: probeMessages("reasoned", images),
    maxTokens: settings.maxTokens,
    temperature: 0,
    seed: 0,
    topLogprobs: settings.topLogprobs,
  };
  return toChatBody(model, request, field);
}

/** The first choice's text and first token's alternatives of a chat completion body. */
export function firstChoice(json: unknown): {
  content: string | null;
  top: { token: string; logprob: number }[];
  usage: { promptTokens?: number; cachedTokens?: number; details: boolean };
} {
  const body = json as
    | {
        choices?: { message?: { content?: unknown }; logprobs?: { content?: unknown } }[];
        usage?: {
          prompt_tokens?: unknown;
          prompt_tokens_details?: { cached_tokens?: unknown } | null;
        };
      }
    | undefined;
  const choice = body?.choices?.[0];
  const tokens = Array.isArray(choice?.logprobs?.content) ? choice.logprobs.content : [];
  const first = tokens[0] as { top_logprobs?: unknown } | undefined;
  const top = Array.isArray(first?.top_logprobs)
    ? first.top_logprobs.map((alt: { token?: unknown; logprob?: unknown }) => ({
        token: String(alt.token ?? ""),
        logprob: Number(alt.logprob),
      }))
    : [];
  const usage = body?.usage;
  const details = usage?.prompt_tokens_details;
  return {
    content: typeof choice?.message?.content === "string" ? choice.message.content : null,
    top,
    usage: {
      ...(typeof usage?.prompt_tokens === "number" ? { promptTokens: usage.prompt_tokens } : {}),
      ...(typeof details?.cached_tokens === "number"
        ? { cachedTokens: details.cached_tokens }
        : {}),
      details: details !== undefined && details !== null,
    },
  };
}
