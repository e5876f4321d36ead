import { Pool } from "undici";
import { AppError } from "../core/errors.ts";
import type { Completion, CompletionRequest } from "../core/types.ts";
import { fromChatBody, type StructuredOutputField, toChatBody } from "./completion-wire.ts";
import { EngineCallError } from "./engine-errors.ts";

/** One model a replica serves, as its `/v1/models` lists it. */
export interface ServedModel {
  id: string;
  /** The base model for a LoRA adapter; null for a base model. */
  parent: string | null;
  simulated: boolean;
}

export interface EngineClientOptions {
  /** The replica's base URL, e.g. `http://10.0.0.7:8000`. */
  baseUrl: string;
  /** Keep-alive connections to this replica. */
  connections: number;
  structuredOutputField: StructuredOutputField;
  /** Timeout for health, models and metrics reads, ms. */
  probeTimeoutMs: number;
}

/**
 * An OpenAI-compatible client for one vLLM replica over an undici Pool (keep-alive). Failures
 * become AppErrors: connection errors and 5xx → UPSTREAM_ERROR, a deadline → UPSTREAM_TIMEOUT,
 * an unknown model → NOT_FOUND, a 400 → INVALID_REQUEST (the engine refused the caller's input).
 */
export function createEngineClient(options: EngineClientOptions) {
  const pool = new Pool(options.baseUrl, {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
  });

  async function chat(
    model: string,
    request: CompletionRequest,
    signal?: AbortSignal,
  ): Promise<Completion[]> {
    const body = JSON.stringify(toChatBody(model, request, options.structuredOutputField));
    const response = await send("POST", "/v1/chat/completions", body, signal);
    const text = await response.body.text().catch((error: unknown) => {
      throw upstreamFailure(error, signal);
    });
    if (response.statusCode !== 200) throw statusFailure(response.statusCode, text);
    try {
      return fromChatBody(JSON.parse(text));
    } catch (error) {
      const message = "the engine sent an unreadable completion";
      throw new EngineCallError("rejected", "UPSTREAM_ERROR", message, error);
    }
  }

  async function send(method: "GET" | "POST", path: string, body?: string, signal?: AbortSignal) {
    try {
      return await pool.request({
        method,
        path,
        body,
        signal,
        headers: body ? { "content-type": "application/json" } : {},
      });
    } catch (error) {
      throw upstreamFailure(error, signal);
    }
  }

  async function probe(path: string): Promise<{ status: number; text: string }> {
    const signal = AbortSignal.timeout(options.probeTimeoutMs);
    const response = await send("GET", path, undefined, signal);
    const text = await response.body.text();
    return { status: response.statusCode, text };
  }

  /** True when `/health` answers 200. Never throws. */
  async function health(): Promise<boolean> {
    return probe("/health")
      .then((result) => result.status === 200)
      .catch(() => false);
  }

  /** The models and adapters the replica serves. Throws when unreachable. */
  async function models(): Promise<ServedModel[]> {
    const { status, text } = await probe("/v1/models");
    if (status !== 200) throw statusFailure(status, text);
    return parseModels(JSON.parse(text));
  }

  /** The replica's Prometheus text, or null when it cannot be read. */
  async function metrics(): Promise<string | null> {
    return probe("/metrics")
      .then((result) => (result.status === 200 ? result.text : null))
      .catch(() => null);
  }

  return {
    baseUrl: options.baseUrl,
    chat,
    health,
    models,
    metrics,
    close: () => pool.close(),
  };
}

export type EngineClient = ReturnType<typeof createEngineClient>;

function parseModels(body: unknown): ServedModel[] {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw new Error("models list without data");
  return data
    .filter((entry: { id?: unknown }) => typeof entry?.id === "string")
    .map((entry: { id: string; parent?: unknown; simulated?: unknown }) => ({
      id: entry.id,
      parent: typeof entry.parent === "string" ? entry.parent : null,
      simulated: entry.simulated === true,
    }));
}

function upstreamFailure(error: unknown, signal?: AbortSignal): AppError {
  if (error instanceof AppError) return error;
  if (signal?.aborted) {
    // The caller's reason (a deadline's UPSTREAM_TIMEOUT, shutdown) is what the client sees.
    const reason = signal.reason instanceof AppError ? signal.reason : undefined;
    return new EngineCallError(
      "aborted",
      reason?.code ?? "UPSTREAM_ERROR",
      reason?.message ?? "the engine request was cancelled",
      error,
    );
  }
  return new EngineCallError(
    "connect",
    "UPSTREAM_ERROR",
    "the judge engine could not be reached",
    error,
  );
}

function engineMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown }; message?: unknown };
    const message = parsed.error?.message ?? parsed.message;
    if (typeof message === "string") return message.slice(0, 500);
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return text.slice(0, 500);
}

function statusFailure(status: number, text: string): AppError {
  const cause = new Error(`engine answered ${status}: ${text.slice(0, 500)}`);
  if (status === 404) {
    return new EngineCallError(
      "rejected",
      "NOT_FOUND",
      "the engine does not serve that model",
      cause,
    );
  }
  if (status === 400) {
    return new AppError("INVALID_REQUEST", "the judge engine refused the request", {
      cause,
      details: [{ reason: engineMessage(text) }],
    });
  }
  const kind = status >= 500 ? "status_5xx" : "rejected";
  return new EngineCallError(kind, "UPSTREAM_ERROR", `the judge engine failed (${status})`, cause);
}
