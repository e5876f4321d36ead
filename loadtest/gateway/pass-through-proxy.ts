/**
 * The floor for any Node gateway: Fastify receives a request, undici forwards its body
 * untouched to one upstream over keep-alive connections, and the upstream's status and body
 * go back as they came. No parsing, validation, logging or metrics. `npm run bench` prints
 * Jurist's throughput as a ratio to this one's, measured in the same run. A request with
 * `x-forward-count: 2` is forwarded twice at once (the floor of a verdict with swap on: one
 * body read, two engine calls) and answered with the last upstream answer.
 * Run: node --import=tsx loadtest/gateway/pass-through-proxy.ts --upstream URL [--port 0]
 */
import { parseArgs } from "node:util";
import Fastify from "fastify";
import { Pool } from "undici";

const { values } = parseArgs({
  options: {
    upstream: { type: "string" },
    port: { type: "string", default: "0" },
    connections: { type: "string", default: "128" },
  },
});
if (!values.upstream) throw new Error("--upstream URL is required");

const pool = new Pool(values.upstream, {
  connections: Number(values.connections),
  keepAliveTimeout: 30_000,
});
const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
// The body stays bytes: a pass-through proxy does not parse what it forwards.
app.removeAllContentTypeParsers();
app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));

async function forward(path: string, body: Buffer, contentType: string | undefined) {
  const upstream = await pool.request({
    method: "POST",
    path,
    body,
    headers: { "content-type": contentType ?? "application/json" },
  });
  return { upstream, body: Buffer.from(await upstream.body.arrayBuffer()) };
}

app.post("/*", async (request, reply) => {
  const copies = Number(request.headers["x-forward-count"] ?? 1);
  const once = () => forward(request.url, request.body as Buffer, request.headers["content-type"]);
  // One forward (every tiny-payload scenario) stays exactly the path it always was.
  const { upstream, body } =
    copies === 1 ? await once() : (await Promise.all(Array.from({ length: copies }, once))).at(-1)!;
  return reply
    .code(upstream.statusCode)
    .header("content-type", upstream.headers["content-type"] ?? "application/json")
    .send(body);
});

const address = await app.listen({ host: "127.0.0.1", port: Number(values.port) });
process.stdout.write(`pass-through proxy listening on ${address}\n`);
const close = () => void app.close().then(() => pool.close());
process.once("SIGTERM", close);
process.once("SIGINT", close);
