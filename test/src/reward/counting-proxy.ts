import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import type { Teardown } from "../../helpers/gateway.ts";

/** A loopback proxy in front of one replica that counts its chat completions exactly. */
export interface CountingProxy {
  url: string;
  /** Chat completions received so far. */
  completions(): number;
  /** Chat completions in flight now, and the most ever at once. */
  inFlight(): number;
  peak(): number;
}

async function bodyOf(incoming: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Forwards every request to `target`; completions are counted from arrival until their
 * response ends or the gateway drops the connection (which cancels the upstream call too, so
 * the replica sees the cancel as it would without the proxy).
 */
export async function startCountingProxy(t: Teardown, target: string): Promise<CountingProxy> {
  let completions = 0;
  let inFlight = 0;
  let peak = 0;
  const server = createServer(async (incoming, outgoing) => {
    const counted = incoming.method === "POST" && incoming.url === "/v1/chat/completions";
    const cancel = new AbortController();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      if (counted) inFlight--;
      if (!outgoing.writableFinished) cancel.abort();
    };
    if (counted) {
      completions++;
      inFlight++;
      peak = Math.max(peak, inFlight);
    }
    outgoing.once("close", finish);
    try {
      const body = await bodyOf(incoming);
      const upstream = await request(`${target}${incoming.url}`, {
        method: incoming.method as "GET" | "POST",
        headers: { "content-type": incoming.headers["content-type"] ?? "application/json" },
        body: body.length > 0 ? body : undefined,
        signal: cancel.signal,
      });
      const text = await upstream.body.arrayBuffer();
      outgoing.writeHead(upstream.statusCode, {
        "content-type": String(upstream.headers["content-type"] ?? "application/json"),
      });
      outgoing.end(Buffer.from(text));
    } catch {
      outgoing.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    completions: () => completions,
    inFlight: () => inFlight,
    peak: () => peak,
  };
}
