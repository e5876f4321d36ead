import { Agent, request } from "undici";

/** How one request of a load run ended. */
export interface LoadResult {
  /** HTTP status, or null when the request failed below HTTP (refused, reset, timed out). */
  status: number | null;
  /** The error code of a non-200 answer (`error.code` of the body), or the socket error's code. */
  code: string | null;
  startedAt: number;
  endedAt: number;
}

export interface LoadOptions {
  url: string;
  body: () => unknown;
  concurrency: number;
  /** Stop starting requests after this long, ms; in-flight ones are awaited. */
  durationMs: number;
  headers?: Record<string, string>;
  /** Stop early when this aborts. */
  signal?: AbortSignal;
}

/**
 * Closed-loop load: `concurrency` workers each send one request after another until the
 * duration ends. Bounded in count and time, loopback only. Returns every result in order of
 * completion.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult[]> {
  const dispatcher = new Agent({ connections: options.concurrency, keepAliveTimeout: 10_000 });
  const results: LoadResult[] = [];
  const stopAt = Date.now() + options.durationMs;
  async function worker(): Promise<void> {
    while (Date.now() < stopAt && !options.signal?.aborted) {
      results.push(await once(options, dispatcher));
    }
  }
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    await dispatcher.close();
  }
  return results;
}

async function once(options: LoadOptions, dispatcher: Agent): Promise<LoadResult> {
  const startedAt = Date.now();
  try {
    const response = await request(options.url, {
      method: "POST",
      dispatcher,
      body: JSON.stringify(options.body()),
      headers: { "content-type": "application/json", ...options.headers },
    });
    const text = await response.body.text();
    const code = response.statusCode === 200 ? null : errorCode(text);
    return { status: response.statusCode, code, startedAt, endedAt: Date.now() };
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).name;
    return { status: null, code, startedAt, endedAt: Date.now() };
  }
}

function errorCode(text: string): string | null {
  try {
    return (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null;
  } catch {
    return null;
  }
}

/** Counts results by `status code` (e.g. `200`, `503 OVERLOADED`, `null ECONNREFUSED`). */
export function tally(results: readonly LoadResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) {
    const key = r.status === 200 ? "200" : `${r.status} ${r.code}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
