import { renderPairwisePrompt } from "../core/pairwise-template.ts";
import type {
  Completion,
  CompletionRequest,
  JudgeMode,
  PromptTokenUsage,
  ResolvedImage,
  TopLogprob,
} from "../core/types.ts";
import { fromChatBody, type StructuredOutputField, toChatBody } from "../engine/completion-wire.ts";

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

/**
 * The first choice of a chat completion, read by the gateway's own wire reader
 * (`fromChatBody`): its text, the first token's alternatives, and the prompt tokens vLLM
 * reported (`cached` non-null only with `usage.prompt_tokens_details`). Null for a body the
 * gateway could not read either.
 */
export function firstChoice(json: unknown): {
  text: string;
  top: TopLogprob[];
  prompt: PromptTokenUsage | undefined;
} | null {
  let completions: Completion[];
  try {
    completions = fromChatBody(json);
  } catch {
    return null;
  }
  const first = completions[0]!;
  return { text: first.text, top: first.tokens?.[0]?.top ?? [], prompt: first.prompt };
}
