import { createServer, type IncomingMessage } from "node:http";
import { request } from "undici";
import type { Teardown } from "./gateway.ts";
import { listenOnLoopback } from "./loopback-server.ts";

/** One request that came through the proxy. */
export interface ProxiedRequest {
  method: string;
  path: string;
  /** The body as received, once read (before it is forwarded); null until then. */
  body: Buffer | null;
  /** Until its answer has been sent, or the caller dropped the connection. */
  open: boolean;
}

export interface RecordingProxy {
  url: string;
  /** Every request so far, in the order they arrived. */
  requests: readonly ProxiedRequest[];
}

export interface RecordingProxyOptions {
  /** Called each time a request arrives or ends, with all requests so far. */
  onChange?(requests: readonly ProxiedRequest[]): void;
}

/** A chat completion: what a replica spends its GPU on. */
export function isChatCompletion(request: ProxiedRequest): boolean {
  return request.method === "POST" && request.path === "/v1/chat/completions";
}

async function bodyOf(incoming: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A loopback proxy in front of one replica that records every request it forwards to
 * `target`, so a test reads exactly what reached the replica. A caller that drops its
 * connection cancels the upstream call too, so the replica sees the cancel as it would
 * without the proxy.
 */
export async function startRecordingProxy(
  t: Teardown,
  target: string,
  options: RecordingProxyOptions = {},
): Promise<RecordingProxy> {
  const requests: ProxiedRequest[] = [];
  const server = createServer(async (incoming, outgoing) => {
    const recorded: ProxiedRequest = {
      method: incoming.method ?? "",
      path: incoming.url ?? "/",
      body: null,
      open: true,
    };
    requests.push(recorded);
    options.onChange?.(requests);
    const cancel = new AbortController();
    outgoing.once("close", () => {
      recorded.open = false;
      if (!outgoing.writableFinished) cancel.abort();
      options.onChange?.(requests);
    });
    try {
      const body = await bodyOf(incoming);
      recorded.body = body;
      const upstream = await request(`${target}${recorded.path}`, {
        method: recorded.method as "GET" | "POST",
        headers: { "content-type": incoming.headers["content-type"] ?? "application/json" },
        body: body.length > 0 ? body : undefined,
        signal: cancel.signal,
      });
      const answer = Buffer.from(await upstream.body.arrayBuffer());
      outgoing.writeHead(upstream.statusCode, {
        "content-type": String(upstream.headers["content-type"] ?? "application/json"),
      });
      outgoing.end(answer);
    } catch {
      outgoing.destroy();
    }
  });
  return { url: await listenOnLoopback(t, server), requests };
}
