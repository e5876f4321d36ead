import { Pool } from "undici";
import { AppError } from "../core/errors.ts";
import type { Completion, CompletionRequest } from "../core/types.ts";
import { isPriorityRefusal } from "../core/vllm-priority.ts";
import { type BodyParts, chatBodyParts } from "./chat-body.ts";
import { fromChatBody, type StructuredOutputField, toChatBody } from "./completion-wire.ts";
import { EngineCallError, engineErrorMessage } from "./engine-errors.ts";
import { isStaleSocketReset, watchSocketReuse } from "./socket-reuse.ts";
import { requestText, type TextResponse } from "./text-request.ts";

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
  /** Keep-alive connections to this replica for completions. */
  connections: number;
  /**
   * Connections of the probes' own pool (health, models, metrics, version): apart from the
   * completions', so a probe never queues behind calls that fill every completion connection.
   */
  probeConnections: number;
  /**
   * How long an idle connection is kept, ms: below the replica's own idle timeout (uvicorn's
   * `timeout_keep_alive`, vLLM's VLLM_HTTP_TIMEOUT_KEEP_ALIVE, 5 s by default), so the pool
   * drops a connection before the replica closes it under a request.
   */
  keepAliveMs: number;
  /** Timeout for health, models, metrics and version reads, ms. */
  probeTimeoutMs: number;
  /**
   * Sent as `Authorization: Bearer <key>` on every call (a replica started with `--api-key`
   * answers 401 on `/v1/*` without it). Never logged.
   */
  apiKey?: string | undefined;
  /** Hears of each request resent on a fresh connection after a stale keep-alive socket. */
  onStaleConnection?: () => void;
}

type Method = "GET" | "POST";

/**
 * A pool of keep-alive connections to one replica, and where a request that met the keep-alive
 * race on it is resent.
 */
interface Lane {
  pool: Pool;
  /**
   * A pool of its own with the same options, whose requests all carry `reset: true`
   * (`connection: close`, the socket closed once answered), so it never holds an idle socket
   * and every resend opens a new connection. The main pool's other idle sockets may be just as
   * stale as the one that was reset.
   */
  freshConnections: Pool;
}

function openLane(baseUrl: string, connections: number, keepAliveMs: number): Lane {
  const options: Pool.Options = {
    connections,
    pipelining: 1,
    keepAliveTimeout: keepAliveMs,
    // A server's `Keep-Alive: timeout=N` hint may shorten the idle time, never lengthen it.
    keepAliveMaxTimeout: keepAliveMs,
  };
  return { pool: new Pool(baseUrl, options), freshConnections: new Pool(baseUrl, options) };
}

/**
 * An OpenAI-compatible client for one vLLM replica over undici Pools (keep-alive). Failures
 * become AppErrors: connection errors and 5xx → UPSTREAM_ERROR, a deadline → UPSTREAM_TIMEOUT,
 * an unknown model → NOT_FOUND, a 400 → INVALID_REQUEST (the engine refused the caller's input).
 *
 * A request the replica's server reset on a reused keep-alive socket the moment it went out
 * (it closed the idle connection as the request was written: socket-reuse.ts says exactly
 * when that holds) is sent once more on a fresh connection before it fails: the replica never
 * saw it, so it must not count against the replica's health. Any later reset is the replica's
 * failure and is not resent.
 *
 * Completions and probes travel in separate lanes (pools). An undici pool queues a request
 * until one of its connections is free: sharing one, a probe waited behind every call that
 * filled the pool (a few slow generations are enough), hit its timeout and made a busy,
 * healthy replica read as dead, failing every verdict with NO_HEALTHY_REPLICA. The probes'
 * lane is small (a poll reads one path after another) and idle between polls.
 */
export function createEngineClient(options: EngineClientOptions) {
  watchSocketReuse();
  const calls = openLane(options.baseUrl, options.connections, options.keepAliveMs);
  const probes = openLane(options.baseUrl, options.probeConnections, options.keepAliveMs);
  const headers: Record<string, string> = options.apiKey
    ? { authorization: `Bearer ${options.apiKey}` }
    : {};
  const jsonHeaders = { ...headers, "content-type": "application/json" };

  async function chat(
    model: string,
    request: CompletionRequest,
    signal: AbortSignal | undefined,
    choiceField: StructuredOutputField,
    vllmPriority?: number,
  ): Promise<Completion[]> {
    // Images go out as parts shared by every call of the request, never copied per order.
    const body = await chatBodyParts(toChatBody(model, request, choiceField, vllmPriority));
    const { statusCode, text } = await send(calls, "POST", "/v1/chat/completions", body, signal);
    if (statusCode !== 200) throw statusFailure(statusCode, text);
    try {
      return fromChatBody(JSON.parse(text));
    } catch (error) {
      const message = "the engine sent an unreadable completion";
      throw new EngineCallError("rejected", "UPSTREAM_ERROR", message, error);
    }
  }

  /**
   * One request through the lane's pool, its answer read whole; after the keep-alive race, once
   * more on a fresh connection. A failure while the answer is read is the replica's (it had
   * answered: never the race), as one before it.
   */
  async function send(
    lane: Lane,
    method: Method,
    path: string,
    body?: BodyParts,
    signal?: AbortSignal,
  ): Promise<TextResponse> {
    const request = {
      method,
      path,
      // undici writes an iterable body part by part; its types list only streams and buffers.
      body: body?.parts as unknown as string | undefined,
      signal,
      headers: body ? { ...jsonHeaders, "content-length": String(body.byteLength) } : headers,
    };
    try {
      return await requestText(lane.pool, request);
    } catch (error) {
      if (signal?.aborted || !isStaleSocketReset(error)) throw upstreamFailure(error, signal);
      options.onStaleConnection?.();
    }
    try {
      return await requestText(lane.freshConnections, { ...request, reset: true });
    } catch (error) {
      throw upstreamFailure(error, signal);
    }
  }

  /**
   * One GET in the probes' lane with the probe timeout, which therefore times the replica's
   * answer, not a wait for a connection. Its failure says which it was: kind `timeout` when the
   * probe's own timer fired (which a stall of this process's loop can cause, see
   * replica-poller.ts), `connect` when the replica could not be reached.
   */
  async function probe(path: string): Promise<{ status: number; text: string }> {
    const signal = AbortSignal.timeout(options.probeTimeoutMs);
    try {
      const { statusCode, text } = await send(probes, "GET", path, undefined, signal);
      return { status: statusCode, text };
    } catch (error) {
      if (!signal.aborted) throw upstreamFailure(error);
      const message = `${path} did not answer within ${options.probeTimeoutMs} ms`;
      throw new EngineCallError("timeout", "UPSTREAM_TIMEOUT", message, error);
    }
  }

  /**
   * Resolves when `/health` answers 200; otherwise throws an EngineCallError that says why:
   * a timeout, an unreachable replica, or the status it answered.
   */
  async function health(): Promise<void> {
    const { status } = await probe("/health");
    if (status === 200) return;
    const kind = status >= 500 ? "status_5xx" : "rejected";
    throw new EngineCallError(kind, "UPSTREAM_ERROR", `/health answered ${status}`);
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

  /**
   * The version string of `GET /version` (vLLM's api_server.py answers
   * `{"version": VLLM_VERSION}`), or null when it cannot be read. Never throws.
   */
  async function version(): Promise<string | null> {
    return probe("/version")
      .then((result) => {
        if (result.status !== 200) return null;
        const parsed = JSON.parse(result.text) as { version?: unknown } | null;
        return typeof parsed?.version === "string" ? parsed.version : null;
      })
      .catch(() => null);
  }

  return {
    baseUrl: options.baseUrl,
    chat,
    health,
    models,
    metrics,
    version,
    /** Closes both lanes once their requests are answered. */
    close: async () => {
      const pools = [calls, probes].flatMap((lane) => [lane.pool, lane.freshConnections]);
      await Promise.all(pools.map((pool) => pool.close()));
    },
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

/** The answer when a replica refuses the per-request priority: a deployment mismatch. */
export const PRIORITY_REFUSED =
  "a replica refuses vLLM's per-request priority: start it with --scheduling-policy priority, or set JURIST_VLLM_PRIORITY=false";

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
  if (status === 400 && isPriorityRefusal(engineErrorMessage(text))) {
    // Not the caller's input: the gateway sent `priority` to a replica without priority
    // scheduling (src/core/vllm-priority.ts says which releases refuse it).
    return new EngineCallError("rejected", "UPSTREAM_ERROR", PRIORITY_REFUSED, cause);
  }
  if (status === 400) {
    return new AppError("INVALID_REQUEST", "the judge engine refused the request", {
      cause,
      details: [{ reason: engineErrorMessage(text).slice(0, 500) }],
    });
  }
  const kind = status >= 500 ? "status_5xx" : "rejected";
  return new EngineCallError(kind, "UPSTREAM_ERROR", `the judge engine failed (${status})`, cause);
}
