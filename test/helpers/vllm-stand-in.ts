import { createServer, type IncomingMessage } from "node:http";
import type { Test } from "tap";
import { parseVllmRelease, readsChoiceField } from "../../src/core/vllm-release.ts";
import { listenOnLoopback } from "./loopback-server.ts";

/**
 * A small node:http stand-in for one vLLM replica, for the engine's own tests (the project's
 * simulator grows a vLLM mode separately). What it imitates, and from where in vLLM:
 * - `--api-key`: vllm/entrypoints/openai/api_server.py's authentication middleware checks
 *   `Authorization: Bearer <key>` on paths under `/v1` only and answers
 *   401 `{"error": "Unauthorized"}`; `/health`, `/metrics` and `/version` stay open.
 * - `GET /version` answers `{"version": VLLM_VERSION}` (api_server.py `show_version`).
 * - The constrained-choice field: `guided_choice` exists until 0.12.0
 *   (docs/features/structured_outputs.md, "removed in v0.12.0"), `structured_outputs: {choice}`
 *   from 0.11.0 (PR #22772); an unknown field is ignored (`OpenAIBaseModel`, extra="allow")
 *   and the answer comes back 200, unconstrained.
 * - `usage.prompt_tokens_details.cached_tokens` only with `--enable-prompt-tokens-details`,
 *   and only when some tokens were cached (serving_chat.py:
 *   `if self.enable_prompt_tokens_details and final_res.num_cached_tokens`).
 * Every request's method, path and Authorization header are recorded.
 */
export interface StandInOptions {
  /** What `GET /version` answers (`setVersion` changes it: an upgrade behind one address). */
  version: string;
  /** The first this many `GET /version` answer 500 (a proxy hiccup as the replica joins). */
  versionFailures?: number;
  /** The served model. */
  model?: string;
  /** Require this bearer token on `/v1/*`. */
  apiKey?: string;
  /** Report cached prompt tokens (`--enable-prompt-tokens-details`). */
  promptTokensDetails?: boolean;
  /** What the model says when nothing constrains it. */
  unconstrainedAnswer?: string;
}

export interface SeenRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown> | null;
}

const PROMPT_TOKENS = 1_000;
/** The image and question tokens a second call with the same prefix finds in the cache. */
const SHARED_PREFIX_TOKENS = 800;

export async function startVllmStandIn(t: Test, options: StandInOptions) {
  const model = options.model ?? "judge";
  const seen: SeenRequest[] = [];
  const prefixes = new Set<string>();
  let version = options.version;
  let versionFailures = options.versionFailures ?? 0;
  // A version that is no release (`dev`, a build from source) behaves as the newest.
  const release = () => parseVllmRelease(version) ?? { major: 99, minor: 0, patch: 0 };
  const hasGuidedChoice = () => readsChoiceField(release(), "guided_choice");
  const hasStructuredOutputs = () => readsChoiceField(release(), "structured_outputs");

  async function readBody(request: IncomingMessage): Promise<Record<string, unknown> | null> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    return text ? (JSON.parse(text) as Record<string, unknown>) : null;
  }

  function choiceOf(body: Record<string, unknown>): string[] | null {
    const structured = (body.structured_outputs as { choice?: string[] } | undefined)?.choice;
    if (hasStructuredOutputs() && structured) return structured;
    if (hasGuidedChoice() && Array.isArray(body.guided_choice))
      return body.guided_choice as string[];
    return null;
  }

  const server = createServer(async (request, response) => {
    const path = request.url ?? "/";
    const body = await readBody(request);
    seen.push({
      method: request.method ?? "",
      path,
      authorization: request.headers.authorization,
      body,
    });
    const json = (status: number, value: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(value));
    };
    if (
      options.apiKey &&
      path.startsWith("/v1") &&
      request.headers.authorization !== `Bearer ${options.apiKey}`
    ) {
      return json(401, { error: "Unauthorized" });
    }
    if (path === "/health") return json(200, {});
    if (path === "/version") {
      if (versionFailures > 0) {
        versionFailures -= 1;
        return json(500, { error: "Internal Server Error" });
      }
      return json(200, { version });
    }
    if (path === "/metrics") {
      response.writeHead(200, { "content-type": "text/plain" });
      return response.end("vllm:num_requests_running 0\nvllm:num_requests_waiting 0\n");
    }
    if (path === "/v1/models") {
      return json(200, { object: "list", data: [{ id: model, object: "model", parent: null }] });
    }
    if (path === "/v1/load_lora_adapter" || path === "/v1/unload_lora_adapter") {
      response.writeHead(200, { "content-type": "text/plain" });
      return response.end("Success");
    }
    if (path === "/v1/chat/completions" && body) {
      const choice = choiceOf(body);
      const text = choice ? choice[0]! : (options.unconstrainedAnswer ?? "The");
      // The prefix cache: a second call with the same first message finds its tokens cached.
      const prefix = JSON.stringify((body.messages as unknown[])[0] ?? null);
      const cached = prefixes.has(prefix) ? SHARED_PREFIX_TOKENS : 0;
      prefixes.add(prefix);
      const usage: Record<string, unknown> = {
        prompt_tokens: PROMPT_TOKENS,
        completion_tokens: 1,
        total_tokens: PROMPT_TOKENS + 1,
        prompt_tokens_details: null,
      };
      if (options.promptTokensDetails && cached) {
        usage.prompt_tokens_details = { cached_tokens: cached };
      }
      return json(200, {
        id: "chatcmpl-1",
        object: "chat.completion",
        model,
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: text },
            logprobs: { content: [{ token: text, logprob: -0.1, top_logprobs: [] }] },
            finish_reason: "stop",
          },
        ],
        usage,
      });
    }
    json(404, { detail: "Not Found" });
  });
  const url = await listenOnLoopback(t, server);
  return {
    url,
    model,
    seen,
    setVersion: (next: string) => {
      version = next;
    },
  };
}
