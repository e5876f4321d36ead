import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What the server saw of one request. */
export interface SeenRequest {
  path: string;
  host: string | undefined;
}

/** A node:http server on 127.0.0.1, port 0 — the only kind of server these tests talk to. */
export interface LoopbackServer {
  /** `http://127.0.0.1:<port><path>`. */
  url(path?: string): string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: SeenRequest[];
  close(): Promise<void>;
}

export async function startLoopbackServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<LoopbackServer> {
  const requests: SeenRequest[] = [];
  const server = createServer((req, res) => {
    requests.push({ path: req.url ?? "", host: req.headers.host });
    handler(req, res);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: (path = "/") => `http://127.0.0.1:${port}${path}`,
    port,
    requests,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
