import { type SimServer, type SimServerOptions, startSimServer } from "../../sim/sim-server.ts";
import { renderPairwisePrompt } from "../../src/core/pairwise-template.ts";
import type { ChatMessage, JudgeMode, ResolvedImage } from "../../src/core/types.ts";

/** The part of tap's Test the helpers use. */
interface Teardown {
  teardown(fn: () => unknown): void;
}

/** Starts a simulated replica on port 0 and closes it when the test ends. */
export async function startSim(t: Teardown, options: SimServerOptions = {}): Promise<SimServer> {
  const server = await startSimServer(options);
  t.teardown(() => server.close());
  return server;
}

export interface HttpResult {
  status: number;
  text: string;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  json: any;
}

/** POSTs JSON (or a raw string) and reads the answer as text and, when it parses, JSON. */
export async function post(url: string, body: unknown): Promise<HttpResult> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return read(response);
}

export async function get(url: string): Promise<HttpResult> {
  return read(await fetch(url));
}

async function read(response: Response): Promise<HttpResult> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, headers: response.headers, json };
}

export function chat(server: SimServer, body: Record<string, unknown>): Promise<HttpResult> {
  return post(`${server.url}/v1/chat/completions`, body);
}

/**
 * The judge prompt for one order, as the gateway renders it. The simulated judge reads the
 * scene from the first image's bytes, else from the question.
 */
export function judgeMessages(
  slotA: string,
  slotB: string,
  mode: JudgeMode = "reasoned",
  question = "Describe the image.",
  images: ResolvedImage[] = [],
): ChatMessage[] {
  return renderPairwisePrompt({ question, images, slotA, slotB, mode });
}

/** Runs `fn` over items with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The verdict letter `[[X]]` ends with, or null. */
export function verdictOf(content: string): "A" | "B" | null {
  const match = /\[\[([AB])\]\]\s*$/.exec(content);
  return match ? (match[1] as "A" | "B") : null;
}

/** The running and waiting gauges of a replica's `/metrics`. */
export async function engineLoad(url: string): Promise<{ running: number; waiting: number }> {
  const text = (await get(`${url}/metrics`)).text;
  const gauge = (name: string) => {
    const line = text.split("\n").find((l) => l.startsWith(`${name}{`));
    return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(" ") + 1));
  };
  return {
    running: gauge("vllm:num_requests_running"),
    waiting: gauge("vllm:num_requests_waiting"),
  };
}

/**
 * Polls `read` until `done` holds and returns the last value, giving up (returning it anyway,
 * for the test's assertion to fail on) after `attempts` polls 10 ms apart.
 */
export async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  attempts = 500,
): Promise<T> {
  let value = await read();
  for (let i = 0; i < attempts && !done(value); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    value = await read();
  }
  return value;
}
