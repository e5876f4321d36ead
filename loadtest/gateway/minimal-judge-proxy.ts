/**
 * The same-run baseline for Jurist's image scenarios (issue 21): the least a Node judge can
 * do. Fastify reads the `/v1/judge/pairwise` body, `JSON.parse` parses it, one chat
 * completion per order is built with the images as given (`judge-chat-body.ts`, the body
 * Jurist sends) and sent with undici (swap on: AB and BA at once), the answer's letter is
 * read and returned as JSON. No validation, image decoding, hashing, cache, metrics or logs.
 * Run: node --import=tsx loadtest/gateway/minimal-judge-proxy.ts --upstream URL --model ID
 */
import { parseArgs } from "node:util";
import Fastify from "fastify";
import { Pool } from "undici";
import { judgeChatBody } from "./judge-chat-body.ts";

const { values } = parseArgs({
  options: {
    upstream: { type: "string" },
    model: { type: "string" },
    port: { type: "string", default: "0" },
    connections: { type: "string", default: "128" },
  },
});
if (!values.upstream || !values.model)
  throw new Error("--upstream URL and --model ID are required");
const model = values.model;

interface PairwiseBody {
  question: string;
  images: { url: string }[];
  responses: [string, string];
  swap?: boolean;
  seed?: number;
}

const pool = new Pool(values.upstream, {
  connections: Number(values.connections),
  keepAliveTimeout: 30_000,
});
const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
// The body read whole as bytes and given to JSON.parse: the least any JSON judge does (Fastify's
// default parser appends the chunks to a string and scans it for prototype poisoning first).
app.removeAllContentTypeParsers();
app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) => {
  try {
    done(null, JSON.parse((body as Buffer).toString()));
  } catch (error) {
    done(error as Error, undefined);
  }
});

/** The letter the replica chose for one order ("A" or "B"), slots as sent. */
async function judgeOrder(body: PairwiseBody, order: "AB" | "BA"): Promise<string> {
  const [first, second] = body.responses;
  const chat = judgeChatBody({
    model,
    question: body.question,
    imageUrls: body.images.map((image) => image.url),
    slotA: order === "AB" ? first : second,
    slotB: order === "AB" ? second : first,
    seed: body.seed ?? 0,
  });
  const response = await pool.request({
    method: "POST",
    path: "/v1/chat/completions",
    body: JSON.stringify(chat),
    headers: { "content-type": "application/json" },
  });
  const answer = (await response.body.json()) as { choices?: { message: { content: string } }[] };
  const letter = answer.choices?.[0]?.message.content.trim();
  if (response.statusCode !== 200 || !letter) throw new Error(`replica: ${response.statusCode}`);
  return letter;
}

app.post("/v1/judge/pairwise", async (request) => {
  const body = request.body as PairwiseBody;
  if (!body.swap) return { winner: await judgeOrder(body, "AB") };
  const [ab, ba] = await Promise.all([judgeOrder(body, "AB"), judgeOrder(body, "BA")]);
  // BA's slot A is the caller's B: agreeing orders name the same response.
  const baAsCaller = ba === "A" ? "B" : "A";
  return { winner: ab === baAsCaller ? ab : "tie" };
});

const address = await app.listen({ host: "127.0.0.1", port: Number(values.port) });
process.stdout.write(`minimal judge proxy listening on ${address}\n`);
const close = () => void app.close().then(() => pool.close());
process.once("SIGTERM", close);
process.once("SIGINT", close);
