import { setTimeout as sleep } from "node:timers/promises";
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import {
  createChatCompletion,
  type ModelProfile,
  type VllmPromptUsage,
} from "./chat-completion.ts";
import { type ChatRequest, chatRequestSchema } from "./chat-request.ts";
import { openAiError } from "./openai-error.ts";
import type { SimState } from "./sim-state.ts";
import { tokenize } from "./sim-tokens.ts";
import { contextLengthProblem } from "./vllm/context-length.ts";
import { type PromptTokens, promptTokens } from "./vllm/prompt-tokens.ts";
import { fieldsVllmReads, ignoredFieldsWarning } from "./vllm/request-fields.ts";
import { requestPriority } from "./vllm/request-priority.ts";

/** `POST /v1/chat/completions`: validate, find the model, then queue and answer. */
export function registerChatRoute(app: FastifyInstance, state: SimState): void {
  app.post("/v1/chat/completions", async (request, reply) => {
    const version = state.options().vllmVersion;
    const read = version
      ? fieldsVllmReads(request.body, version)
      : { body: request.body, ignored: [] };
    if (read.ignored.length > 0) request.log.warn(ignoredFieldsWarning(read.ignored));
    const parsed = chatRequestSchema.safeParse(read.body);
    if (!parsed.success) {
      return reply.code(400).send(openAiError(400, z.prettifyError(parsed.error)));
    }
    const logprobsProblem = tooManyLogprobs(parsed.data, state.options().maxLogprobs);
    if (logprobsProblem) return reply.code(400).send(openAiError(400, logprobsProblem));
    const profile = state.profileFor(parsed.data.model);
    if (!profile) {
      const message = `The model \`${parsed.data.model}\` does not exist.`;
      return reply.code(404).send(openAiError(404, message));
    }
    const measured = measurePrompt(state, parsed.data, profile);
    if (typeof measured === "string") return reply.code(400).send(openAiError(400, measured));
    // The engine's own check, after the request was read and its prompt processed.
    const priority = requestPriority(parsed.data.priority, state.options());
    if (priority.kind === "refuse") {
      return reply.code(400).send(openAiError(400, priority.message));
    }
    return complete(state, parsed.data, profile, reply, measured, priority.place);
  });
}

/**
 * vLLM refuses more alternatives than `--max-logprobs` before anything runs, with this message
 * (`_validate_logprobs` in vllm/v1/engine/processor.py).
 */
function tooManyLogprobs(request: ChatRequest, maxLogprobs: number): string | undefined {
  const asked = request.logprobs ? (request.top_logprobs ?? 0) : 0;
  if (asked <= maxLogprobs) return undefined;
  return `Requested sample logprobs of ${asked}, which is greater than max allowed: ${maxLogprobs}`;
}

/**
 * vLLM mode and `--max-model-len`: counts the prompt as the replica would (images by pixels),
 * refuses one over the context with vLLM's message, and asks the prefix cache what it holds.
 * A string is the 400's message; undefined leaves the lenient engine's usage alone.
 */
function measurePrompt(
  state: SimState,
  request: ChatRequest,
  profile: ModelProfile,
): VllmPromptUsage | string | undefined {
  const { vllmVersion, maxModelLen } = state.options();
  if (vllmVersion === undefined && maxModelLen === undefined) return undefined;
  let prompt: PromptTokens;
  try {
    prompt = promptTokens(request.messages, tokenize);
  } catch (error) {
    return (error as Error).message;
  }
  if (maxModelLen !== undefined) {
    const maxTokens = request.max_tokens ?? request.max_completion_tokens ?? undefined;
    const problem = contextLengthProblem(prompt, maxTokens, maxModelLen, vllmVersion);
    if (problem) return problem;
  }
  if (vllmVersion === undefined) return undefined;
  const cachedTokens = state.prefixCache.admit(profile.id, prompt.tokens);
  return { promptTokens: prompt.tokens.length, cachedTokens };
}

/**
 * Holds a concurrency slot for the simulated latency and any stall, then fails (errorRate) or
 * answers. Only successes count in the request and token counters, as in vLLM. A client that
 * leaves gives its slot (or its place in the queue) back at once.
 */
async function complete(
  state: SimState,
  request: ChatRequest,
  profile: ModelProfile,
  reply: FastifyReply,
  vllm: VllmPromptUsage | undefined,
  place: number,
) {
  const started = performance.now();
  const gone = clientGone(reply);
  if (!(await finishes(state.gate.acquire(gone, place)))) return drop(reply);
  try {
    const draw = state.nextDraw();
    if (!(await hold(state, draw.latencyMs, gone))) return drop(reply);
    if (draw.fail) {
      return reply.code(500).send(openAiError(500, "Simulated engine failure (errorRate)."));
    }
    const body = createChatCompletion(request, profile, state.options(), unixSeconds(), vllm);
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

/** True when a wait that only rejects on abort ran to its end, false when it was aborted. */
function finishes(wait: Promise<void>): Promise<boolean> {
  return wait.then(
    () => true,
    () => false,
  );
}

/** Waits out the latency, then any stall; false when the client left or the server closes. */
function hold(state: SimState, latencyMs: number, signal: AbortSignal): Promise<boolean> {
  const latency = latencyMs > 0 ? sleep(latencyMs, undefined, { signal }) : Promise.resolve();
  return finishes(latency.then(() => state.stall.hold(signal)));
}

/** Aborts when the connection closes before the response was sent: the client gave up. */
function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const abort = () => controller.abort(new Error("the client went away"));
  const response = reply.raw;
  // The client may have left while the body was being read, before "close" can be heard.
  if (response.socket === null || response.socket.destroyed) abort();
  response.once("close", () => {
    if (!response.writableFinished) abort();
  });
  return controller.signal;
}

/** Ends an unanswered request without a response, as a hung engine's connection ends. */
function drop(reply: FastifyReply): FastifyReply {
  reply.hijack();
  reply.raw.destroy();
  return reply;
}

function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
