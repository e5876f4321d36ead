import { createRandom, digestHex } from "../src/core/seeded-random.ts";
import type { ChatMessage } from "../src/core/types.ts";
import type { ChatChoice } from "./chat-choice.ts";
import { type ChatRequest, choiceConstraint } from "./chat-request.ts";
import type { JudgeProfile } from "./judge-profile.ts";
import { readPrompt, type SimPrompt } from "./prompt-reader.ts";
import { generatorProfile, sampleContent } from "./sample-content.ts";
import type { SimOptions } from "./sim-options.ts";
import { buildLogprobs, tokenize, type VerdictToken } from "./sim-tokens.ts";
import { buildVllmChoice } from "./vllm-choice.ts";
import type { Scene } from "./world/scene.ts";
import { imageBytes, promptScene } from "./world/world-view.ts";

/** Prompt tokens an image counts for (a fixed, plausible vision-encoder budget). */
export const IMAGE_PROMPT_TOKENS = 576;

/** A served model as the engine judges with it. */
export interface ModelProfile extends JudgeProfile {
  /** The name requests use (base model id or LoRA adapter name). */
  id: string;
}

export type { ChatChoice } from "./chat-choice.ts";

/** vLLM's chat completion body, plus `simulated: true`. */
export interface ChatCompletionBody {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  simulated: true;
  choices: ChatChoice[];
  usage: {
    prompt_tokens: number;
    completion_tokens: number;
    total_tokens: number;
    /** vLLM mode with `enablePromptTokensDetails`, when the prefix cache served any tokens. */
    prompt_tokens_details?: { cached_tokens: number };
  };
}

/** What vLLM mode measured of the prompt before generating (sim/vllm/). */
export interface VllmPromptUsage {
  /** Prompt tokens, images counted by pixels. */
  promptTokens: number;
  /** Tokens the prefix cache served. */
  cachedTokens: number;
}

/** Parts in a fixed order, so equal messages hash equally however the client spelled them. */
function canonicalMessages(messages: readonly ChatMessage[]): string {
  return JSON.stringify(
    messages.map((m) => [
      m.role,
      typeof m.content === "string"
        ? [["text", m.content]]
        : m.content.map((p) => (p.type === "text" ? ["text", p.text] : ["image", p.image_url.url])),
    ]),
  );
}

function promptTokens(messages: readonly ChatMessage[]): number {
  let count = 0;
  for (const m of messages) {
    const parts = typeof m.content === "string" ? [{ type: "text", text: m.content }] : m.content;
    for (const part of parts) {
      count += "text" in part ? tokenize(part.text).length : IMAGE_PROMPT_TOKENS;
    }
  }
  return count;
}

function verdictIndex(tokens: string[], letter: string): number {
  if (tokens.length === 1) return tokens[0] === letter ? 0 : -1;
  const open = tokens.lastIndexOf("[[");
  return open >= 0 && tokens[open + 1] === letter ? open + 1 : -1;
}

/** One choice: sample, tokenise, cut at max_tokens, then logprobs over what is kept. */
function buildChoice(
  index: number,
  prompt: SimPrompt,
  request: ChatRequest,
  profile: ModelProfile,
  options: SimOptions,
  requestKey: string,
  scene: () => Scene,
  room: number,
): { choice: ChatChoice; tokenCount: number } {
  const sampleKey = `${requestKey}:${index}`;
  const sampled = sampleContent(prompt, {
    profile,
    worldKey: options.worldKey,
    generator: generatorProfile(options),
    invalidRate: options.invalidRate,
    choice: choiceConstraint(request),
    sampleKey,
    scene,
    rng: createRandom(sampleKey, "content"),
  });
  const asked = request.max_tokens ?? request.max_completion_tokens ?? Number.POSITIVE_INFINITY;
  const limit = Math.min(asked, room);
  if (options.vllmVersion !== undefined) {
    return buildVllmChoice({
      index,
      sampled,
      choice: choiceConstraint(request),
      maxTokens: limit,
      logprobs: request.logprobs === true,
      top: request.top_logprobs ?? 0,
      version: options.vllmVersion,
      eosText: options.eosText,
      rng: {
        logprobs: createRandom(sampleKey, "logprobs"),
        flourish: createRandom(sampleKey, "flourish"),
      },
    });
  }
  const all = tokenize(sampled.content);
  const tokens = all.slice(0, limit);
  const verdict: VerdictToken | undefined = sampled.verdict && {
    ...sampled.verdict,
    index: verdictIndex(tokens, sampled.verdict.letter),
  };
  // A separate stream, so asking for logprobs never changes the content.
  const rng = createRandom(sampleKey, "logprobs");
  const top = request.top_logprobs ?? 0;
  const choice: ChatChoice = {
    index,
    message: { role: "assistant", content: tokens.join("") },
    logprobs: request.logprobs ? { content: buildLogprobs(tokens, top, rng, verdict) } : null,
    finish_reason: tokens.length < all.length ? "length" : "stop",
  };
  return { choice, tokenCount: tokens.length };
}

/**
 * Builds the completion for a validated request, deterministically: the same options, model
 * and request (messages, seed, sample index) give the same body. `created` is the only field
 * that depends on the clock; `id` is a digest of the request, so equal requests share it.
 */
export function createChatCompletion(
  request: ChatRequest,
  profile: ModelProfile,
  options: SimOptions,
  nowSeconds: number,
  vllm?: VllmPromptUsage,
): ChatCompletionBody {
  const messages = canonicalMessages(request.messages);
  const requestKey = digestHex(options.seed, profile.id, messages, request.seed ?? "none");
  const prompt = readPrompt(request.messages);
  let read: Scene | undefined;
  const scene = () => {
    read ??= promptScene(imageBytes(prompt.imageUrls), prompt.question, options.worldKey);
    return read;
  };
  // vLLM shortens max_tokens to the context left after the image-expanded prompt, silently
  // (`get_max_tokens` in vllm/entrypoints/utils.py): a long answer then ends with "length".
  const room =
    vllm && options.maxModelLen !== undefined
      ? Math.max(1, options.maxModelLen - vllm.promptTokens)
      : Number.POSITIVE_INFINITY;
  const built = Array.from({ length: request.n ?? 1 }, (_, index) =>
    buildChoice(index, prompt, request, profile, options, requestKey, scene, room),
  );
  const prompt_tokens = vllm?.promptTokens ?? promptTokens(request.messages);
  const completion_tokens = built.reduce((sum, b) => sum + b.tokenCount, 0);
  // vLLM reports the details only when asked at start-up and only when something was cached
  // (serving_chat.py: `if self.enable_prompt_tokens_details and final_res.num_cached_tokens`).
  const details =
    options.enablePromptTokensDetails && vllm?.cachedTokens
      ? { prompt_tokens_details: { cached_tokens: vllm.cachedTokens } }
      : {};
  return {
    id: `chatcmpl-sim-${requestKey.slice(0, 24)}`,
    object: "chat.completion",
    created: nowSeconds,
    model: profile.id,
    simulated: true,
    choices: built.map((b) => b.choice),
    usage: {
      prompt_tokens,
      completion_tokens,
      total_tokens: prompt_tokens + completion_tokens,
      ...details,
    },
  };
}
