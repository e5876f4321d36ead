import { connect } from "node:net";

/** What came back on a raw connection before the server closed it. */
export interface RawAnswer {
  /** The status of the first response; 0 when none came. */
  status: number;
  headers: Record<string, string>;
  /** The first response's body, parsed when it is JSON. */
  body: unknown;
  /** Everything the server sent. */
  text: string;
}

function parse(text: string): RawAnswer {
  const end = text.indexOf("\r\n\r\n");
  const head = end < 0 ? text : text.slice(0, end);
  const [statusLine = "", ...lines] = head.split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers["content-length"] ?? Number.NaN);
  const rest = end < 0 ? "" : text.slice(end + 4);
  const raw = Number.isFinite(length) ? rest.slice(0, length) : rest;
  let body: unknown = raw;
  try {
    body = JSON.parse(raw);
  } catch {}
  return { status, headers, body, text };
}

/**
 * Opens a TCP connection to `origin` (`http://host:port`), writes `chunks` in order (a number
 * is a pause of that many ms, for a slow client), then waits, reading, until the server closes
 * the connection: what a malformed or slow client sees, with no HTTP client in between to fix
 * or refuse what it sends. After `giveUpMs` it closes the connection itself and returns what
 * it has (status 0 if nothing): a server that never answers fails the test instead of hanging it.
 */
export function rawExchange(
  origin: string,
  chunks: readonly (string | Buffer | number)[],
  giveUpMs = 20_000,
) {
  const { hostname, port } = new URL(origin);
  return new Promise<RawAnswer>((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const received: Buffer[] = [];
    const giveUp = setTimeout(() => socket.destroy(), giveUpMs);
    socket.on("data", (data) => received.push(data));
    // A reset after the answer (the server destroys the socket) still leaves the answer.
    socket.on("error", (error) => (received.length > 0 ? undefined : reject(error)));
    socket.on("close", () => {
      clearTimeout(giveUp);
      resolve(parse(Buffer.concat(received).toString("latin1")));
    });
    socket.once("connect", async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) return;
        if (typeof chunk === "number") await new Promise((r) => setTimeout(r, chunk));
        else socket.write(chunk);
      }
    });
  });
}
