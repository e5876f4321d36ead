import { Agent, request } from "undici";

/** How one load or unload call to one replica ended. */
export type AdapterCallResult =
  | { ok: true }
  /** The replica already had an adapter by that name (load) or none (unload). */
  | { ok: false; reason: "already_loaded" | "not_loaded"; message: string }
  /** Any other refusal or failure; `status` is null when no HTTP answer came. */
  | { ok: false; reason: "failed"; status: number | null; message: string };

export interface ReplicaAdaptersOptions {
  /** Longest one load or unload call may take, ms (a real load reads the weights). */
  timeoutMs: number;
  /**
   * The replicas' API key (JURIST_REPLICA_API_KEY): a replica started with `--api-key`
   * answers 401 on `/v1/*`, these routes included. Sent as a bearer token, never logged.
   */
  apiKey?: string | undefined;
}

/**
 * vLLM's runtime LoRA API (`POST /v1/load_lora_adapter {lora_name, lora_path}` and
 * `/v1/unload_lora_adapter {lora_name}`; the replica must run with
 * VLLM_ALLOW_RUNTIME_LORA_UPDATING=True, else both are 404). vLLM answers a name it already
 * has with 400 "has already been loaded" and an unknown one on unload with 404 "cannot be
 * found": both are told apart so callers can treat them as no-ops. Never throws.
 */
export function createReplicaAdapters(options: ReplicaAdaptersOptions) {
  // Its own pool: promotions are rare, and closing it leaves no sockets behind.
  // Idle connections close before the replica's own 5 s keep-alive would close them.
  const dispatcher = new Agent({
    connections: 4,
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 4_000,
  });
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;

  async function post(url: string, path: string, body: unknown) {
    try {
      const response = await request(new URL(path, url), {
        method: "POST",
        dispatcher,
        body: JSON.stringify(body),
        headers,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      return { status: response.statusCode, text: await response.body.text() };
    } catch (error) {
      return { status: null, text: (error as Error).message };
    }
  }

  return {
    async load(url: string, name: string, path: string): Promise<AdapterCallResult> {
      const { status, text } = await post(url, "/v1/load_lora_adapter", {
        lora_name: name,
        lora_path: path,
      });
      if (status === 200) return { ok: true };
      const message = errorMessage(text);
      if (status === 400 && message.includes("has already been loaded")) {
        return { ok: false, reason: "already_loaded", message };
      }
      // FastAPI's bare 404: the route is missing because runtime updating is off.
      const hint =
        status === 404 && message === "Not Found"
          ? " (is VLLM_ALLOW_RUNTIME_LORA_UPDATING=True set on the replica?)"
          : "";
      return { ok: false, reason: "failed", status, message: message + hint };
    },

    async unload(url: string, name: string): Promise<AdapterCallResult> {
      const { status, text } = await post(url, "/v1/unload_lora_adapter", { lora_name: name });
      if (status === 200) return { ok: true };
      const message = errorMessage(text);
      if (status === 404 && message.includes("cannot be found")) {
        return { ok: false, reason: "not_loaded", message };
      }
      return { ok: false, reason: "failed", status, message };
    },

    close: () => dispatcher.close(),
  };
}

export type ReplicaAdapters = ReturnType<typeof createReplicaAdapters>;

/** vLLM's `{error: {message}}` (older `{message}`, FastAPI's `{detail}`), else the raw text. */
function errorMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as {
      error?: { message?: unknown };
      message?: unknown;
      detail?: unknown;
    };
    const message = parsed.error?.message ?? parsed.message ?? parsed.detail;
    if (typeof message === "string") return message.slice(0, 500);
  } catch {
    // Not JSON (a proxy's page, a connection error's text): keep it as it is.
  }
  return text.slice(0, 500);
}
