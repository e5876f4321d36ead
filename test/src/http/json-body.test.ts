import { connect } from "node:net";
import { Readable } from "node:stream";
import t from "tap";
import { request } from "undici";
import { TINY_PNG, validPairwiseBody } from "../../helpers/fixtures.ts";
import { buildGateway, startSims, type Teardown } from "../../helpers/gateway.ts";
import { metricSamples, until } from "../../helpers/grpc.ts";
import { isChatCompletion, startRecordingProxy } from "../../helpers/recording-proxy.ts";

/**
 * The JSON body parser: nesting depth checked as the body arrives, `__proto__` keys refused
 * by name, and every body (then its images) held against the in-flight byte budget. Each
 * gateway stands in front of a recording proxy, so a test sees what reached the replica.
 */

async function gatewayBehindProxy(t: Teardown, env: Record<string, string> = {}) {
  const [sim] = await startSims(t, 1);
  const proxy = await startRecordingProxy(t, sim!.url);
  const gateway = await buildGateway(t, { JURIST_BACKENDS: proxy.url, ...env }, { listen: true });
  const completions = () => proxy.requests.filter(isChatCompletion).length;
  return { ...gateway, completions, proxy };
}

const post = (
  gateway: { fastify: import("fastify").FastifyInstance },
  payload: string,
  url = "/v1/judge/pairwise",
) =>
  gateway.fastify.inject({
    method: "POST",
    url,
    payload,
    headers: { "content-type": "application/json" },
  });

const gatewayCompletions = (gateway: Awaited<ReturnType<typeof gatewayBehindProxy>>) =>
  gateway.proxy.requests.filter(isChatCompletion);

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

async function shedForMemory(runtime: Parameters<typeof metricSamples>[0]): Promise<number> {
  const samples = await metricSamples(runtime, "jurist_shed_requests_total");
  return samples.find((sample) => sample.labels.reason === "memory")?.value ?? 0;
}

t.test("nesting: refused past the limit with the depth named, strings not counted", async (t) => {
  const gateway = await gatewayBehindProxy(t, { JURIST_JSON_MAX_DEPTH: "64" });
  // 64 levels in all (the object and 63 arrays) reach the schema, which refuses the type.
  const atLimit = await post(gateway, `{"question":${nested(63)}}`);
  t.equal(atLimit.statusCode, 400);
  t.equal(atLimit.json().error.message, "the request does not match the schema");
  const tooDeep = await post(gateway, `{"question":${nested(64)}}`);
  t.equal(tooDeep.statusCode, 400);
  t.equal(tooDeep.json().error.code, "INVALID_REQUEST");
  t.match(tooDeep.json().error.message, /deeper than 64 levels/);
  t.same(tooDeep.json().error.details, [{ reason: "nesting deeper than 64" }]);

  // Brackets inside strings, escaped quotes and backslashes included, are text.
  const body = validPairwiseBody();
  body.question = `${"[{".repeat(100)} \\" ${"[".repeat(100)} \\\\`;
  const inStrings = await post(gateway, JSON.stringify(body));
  t.equal(inStrings.statusCode, 200, inStrings.body);

  // The batch route has the same parser.
  const batch = await post(gateway, `{"items":${nested(70)}}`, "/v1/judge/batch");
  t.equal(batch.statusCode, 400);
  t.match(batch.json().error.message, /deeper than 64 levels/);
  t.equal(gateway.completions(), 2, "only the valid request reached the replica (two orders)");
});

t.test("nesting: a body of `[` is refused before the rest of it is sent", async (t) => {
  const gateway = await gatewayBehindProxy(t);
  const sending = new AbortController();
  t.teardown(() => sending.abort());
  // 1 MiB of `[`, then the body stays open: only a refusal made while reading can answer.
  async function* endlessBrackets() {
    yield Buffer.alloc(1024 * 1024, "[");
    await new Promise((resolve) => sending.signal.addEventListener("abort", resolve));
  }
  const response = await request(`${gateway.url}/v1/judge/pairwise`, {
    method: "POST",
    headers: { "content-type": "application/json", "content-length": String(60 * 1024 * 1024) },
    body: Readable.from(endlessBrackets()),
    signal: sending.signal,
  });
  t.equal(response.statusCode, 400);
  const error = ((await response.body.json()) as { error: { message: string } }).error;
  t.match(error.message, /deeper than 64 levels/);
  sending.abort();
  t.equal(gateway.completions(), 0);
});

t.test("`__proto__` keys are refused by name, however spelt", async (t) => {
  const gateway = await gatewayBehindProxy(t);
  const body = JSON.stringify(validPairwiseBody());
  for (const key of ["__proto__", "\\u005f_proto__", "__pr\\u006fto__"]) {
    const response = await post(gateway, `{"${key}": {"admin": true}, ${body.slice(1)}`);
    t.equal(response.statusCode, 400, key);
    t.equal(response.json().error.code, "INVALID_REQUEST");
    t.match(response.json().error.message, /`__proto__` keys are not accepted/, key);
  }
  const nestedProto = await post(
    gateway,
    `{"extra":[{"url":"x","__proto__":{}}], ${body.slice(1)}`,
  );
  t.match(nestedProto.json().error.message, /`__proto__`/, "at any depth");
  // However spelt: the pre-check looks for the key in its quotes, or any `\u` escape.
  for (const key of ['"constructor"', '"\\u0063onstructor"']) {
    const poisoned = await post(gateway, `{ ${key} : {"prototype":{}}, ${body.slice(1)}`);
    t.equal(poisoned.statusCode, 400, key);
    t.match(poisoned.json().error.message, /constructor\.prototype/, key);
  }
  // An escaped character elsewhere, or the word in a value, is fine.
  const escaped = validPairwiseBody();
  escaped.question = "Is this café's __proto__ sign in the image?";
  const fine = await post(gateway, JSON.stringify(escaped).replace("é", "\\u00e9"));
  t.equal(fine.statusCode, 200, fine.body);
  const notJson = await post(gateway, "{ question: nope");
  t.equal(notJson.statusCode, 400);
  t.equal(notJson.json().error.message, "the body is not valid JSON");
});

t.test("a body of UTF-8 beyond ASCII reaches the replica as sent", async (t) => {
  // ASCII bodies are decoded as Latin-1 (the same text, quicker); any other byte must still
  // be read as UTF-8.
  const gateway = await gatewayBehindProxy(t);
  const body = validPairwiseBody();
  body.question = "Does the café sign say “open” ☕ in the image?";
  const response = await post(gateway, JSON.stringify(body));
  t.equal(response.statusCode, 200, response.body);
  const sent = JSON.stringify(body.question).slice(1, -1);
  const forwarded = gatewayCompletions(gateway).map((request) => request.body!.toString("utf8"));
  t.ok(forwarded.length > 0 && forwarded.every((text) => text.includes(sent)), "as sent");
});

t.test("the in-flight budget: bodies by Content-Length, chunked bodies, images", async (t) => {
  // Room for a small pairwise body (twice ~300 bytes) and not for a 6 KB one.
  const gateway = await gatewayBehindProxy(t, { JURIST_INFLIGHT_BYTES_BUDGET: "10000" });
  const small = await post(gateway, JSON.stringify(validPairwiseBody()));
  t.equal(small.statusCode, 200);

  const big = validPairwiseBody();
  big.rubric = "x".repeat(4_000);
  big.question = "y".repeat(2_000);
  const refused = await post(gateway, JSON.stringify(big));
  t.equal(refused.statusCode, 503);
  t.equal(refused.json().error.code, "OVERLOADED");
  t.equal(refused.headers["retry-after"], "1");
  t.match(refused.json().error.message, /memory/);

  // No Content-Length: held as it arrives, refused at the chunk that does not fit.
  async function* chunks() {
    const text = JSON.stringify(big);
    for (let at = 0; at < text.length; at += 500) yield text.slice(at, at + 500);
  }
  const chunked = await request(`${gateway.url}/v1/judge/pairwise`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: Readable.from(chunks()),
  });
  t.equal(chunked.statusCode, 503);
  t.equal(((await chunked.body.json()) as { error: { code: string } }).error.code, "OVERLOADED");
  t.equal(await shedForMemory(gateway.runtime), 2, "counted as shed for memory");
  t.equal(gateway.completions(), 2, "only the small request reached the replica (two orders)");
  t.equal(gateway.runtime.inflight.used(), 0, "every byte given back");
  t.equal(gateway.runtime.inflight.open(), 0);
});

t.test("the in-flight budget: decoded images join their request's bytes", async (t) => {
  // An image of 3 KB decoded: the body (~4 KB, counted twice) fits 10 KB, its image does not.
  const gateway = await gatewayBehindProxy(t, { JURIST_INFLIGHT_BYTES_BUDGET: "10000" });
  const padded = Buffer.concat([TINY_PNG, Buffer.alloc(3_000)]);
  const body = validPairwiseBody();
  body.images = [{ url: `data:image/png;base64,${padded.toString("base64")}` }];
  const text = JSON.stringify(body);
  t.ok(text.length * 2 < 10_000 && text.length * 2 + padded.length > 10_000, "sized to tell");
  const response = await post(gateway, text);
  t.equal(response.statusCode, 503);
  t.equal(response.json().error.code, "OVERLOADED");
  t.equal(gateway.completions(), 0, "refused before the engine");
  t.equal(gateway.runtime.inflight.used(), 0);
});

t.test("the in-flight budget: an abandoned upload gives its bytes back", async (t) => {
  const gateway = await gatewayBehindProxy(t);
  const { port } = new URL(gateway.url);
  const socket = connect(Number(port), "127.0.0.1");
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.write(
    "POST /v1/judge/pairwise HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n" +
      "content-length: 5000000\r\n\r\n" +
      '{"question":"',
  );
  t.ok(
    await until(() => gateway.runtime.inflight.used() === 10_000_000),
    "reserved from Content-Length before the body is read",
  );
  socket.destroy();
  t.ok(await until(() => gateway.runtime.inflight.used() === 0), "released on abort");
  t.equal(gateway.runtime.inflight.open(), 0);
});

t.test("a body over the budget is refused before a byte is read", async (t) => {
  const gateway = await gatewayBehindProxy(t, { JURIST_INFLIGHT_BYTES_BUDGET: "1000000" });
  const { port } = new URL(gateway.url);
  const socket = connect(Number(port), "127.0.0.1");
  let answer = "";
  socket.setEncoding("utf8").on("data", (chunk: string) => {
    answer += chunk;
  });
  // Headers only: the answer comes though not one byte of the body was sent.
  socket.write(
    "POST /v1/judge/pairwise HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n" +
      "content-length: 600000\r\n\r\n",
  );
  t.ok(await until(() => answer.includes("OVERLOADED")), answer);
  t.match(answer, /^HTTP\/1\.1 503/);
  t.match(answer, /retry-after: 1/i);
  socket.destroy();
});
