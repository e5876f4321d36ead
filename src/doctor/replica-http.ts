import { request } from "undici";
import { engineErrorMessage } from "../engine/engine-errors.ts";

/** One answer from a replica, read whole (doctor requests are small). */
export interface ReplicaAnswer {
  status: number;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface ReplicaHttpOptions {
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` on every call when set, as the gateway does. */
  apiKey?: string | undefined;
  timeoutMs: number;
}

/**
 * The doctor's HTTP to one replica. Unlike the gateway's engine client it never turns a status
 * into an error: the doctor's job is to read exactly what the replica answered. Throws only
 * when the replica cannot be reached at all.
 */
export function createReplicaHttp(options: ReplicaHttpOptions) {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");

  async function call(
    method: "GET" | "POST",
    path: string,
    body?: unknown,
  ): Promise<ReplicaAnswer> {
    const headers: Record<string, string> = {};
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await request(`${baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const text = await response.body.text();
    return { status: response.statusCode, text, json: parseJson(text) };
  }

  return {
    baseUrl,
    get: (path: string) => call("GET", path),
    post: (path: string, body: unknown) => call("POST", path, body),
  };
}

export type ReplicaHttp = ReturnType<typeof createReplicaHttp>;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The error message of a replica's answer (the gateway's own reading), for the doctor's table. */
export function errorMessage(answer: ReplicaAnswer): string {
  return engineErrorMessage(answer.text).slice(0, 300);
}
