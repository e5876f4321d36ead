import { once } from "node:events";
import { connect } from "node:net";
import { Readable } from "node:stream";
import t from "tap";
import { request } from "undici";
import { HTTP_BODY_COST_PER_BYTE } from "../../../src/config/shedding-settings.ts";
import { LOOP_TURN_BYTES } from "../../../src/engine/loop-pacer.ts";
import { createJsonShapeScanner } from "../../../src/http/json-shape.ts";
import { SMALL_BODY_LIMIT_BYTES } from "../../../src/http/server-options.ts";
import { MAX_BATCH_ITEMS, MAX_IMAGES } from "../../../src/judge/request-limits.ts";
import { MAX_OPENRLHF_IMAGE_ITEMS, MAX_OPENRLHF_ITEMS } from "../../../src/reward/reward-limits.ts";
import type { Runtime } from "../../../src/runtime/runtime.ts";
import { TINY_PNG, validPairwiseBody } from "../../helpers/fixtures.ts";
import { buildGateway, startSims, type Teardown } from "../../helpers/gateway.ts";
import { metricSamples, until } from "../../helpers/grpc.ts";
import { isChatCompletion, startRecordingProxy } from "../../helpers/recording-proxy.ts";

/**
 * The JSON body parser: nesting depth and count of values checked as the body arrives,
 * `__proto__` keys refused by name, and every body (then its images) held against the
 * in-flight byte budget. Each
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

t.test("width: a 20 MB body of `[{},{},…]` is refused at the value past the limit", async (t) => {
  const gateway = await gatewayBehindProxy(t);
  const limit = gateway.runtime.config.http.jsonMaxValues;
  const sending = new AbortController();
  t.teardown(() => sending.abort());
  // Depth 2, so the depth check lets it through; 20 MB declared, its first MiB (699,050
  // values) sent, then the body stays open: only a refusal made while reading can answer.
  const objects = Buffer.from("{},".repeat(Math.floor((1024 * 1024) / 3)));
  async function* wideBody() {
    yield Buffer.concat([Buffer.from("["), objects]);
    await new Promise((resolve) => sending.signal.addEventListener("abort", resolve));
  }
  const response = await request(`${gateway.url}/v1/judge/pairwise`, {
    method: "POST",
    headers: { "content-type": "application/json", "content-length": String(20_000_000) },
    body: Readable.from(wideBody()),
    signal: sending.signal,
  });
  t.equal(response.statusCode, 400);
  const error = ((await response.body.json()) as { error: Record<string, unknown> }).error;
  t.equal(error.code, "INVALID_REQUEST");
  t.equal(error.message, `the body holds more than ${limit} array elements and object members`);
  t.same(error.details, [{ reason: `more than ${limit} values` }]);
  sending.abort();
  t.equal(gateway.completions(), 0, "the replica saw nothing");
  t.ok(await until(() => gateway.runtime.inflight.used() === 0), "its bytes given back");

  // The same cap at its least: a body one value past it is refused, whole or not.
  const narrow = await gatewayBehindProxy(t, { JURIST_JSON_MAX_VALUES: "50000" });
  const past = await post(narrow, `[${Array(25_001).fill("{}").join(",")}]`);
  t.equal(past.statusCode, 400);
  t.same(past.json().error.details, [{ reason: "more than 50000 values" }]);
});

t.test("width: the widest valid requests pass at the least the setting allows", async (t) => {
  const count = (body: string) => {
    const scanner = createJsonShapeScanner({ maxDepth: 64, maxValues: Number.MAX_SAFE_INTEGER });
    scanner.feed(Buffer.from(body));
    return scanner;
  };
  // /get_reward at its limits: 1,024 items (the most that carry images), each with 8 images
  // (server-settings.ts states 20,484); 16,384 items of text, scalar labels (49,155).
  const items = Array.from({ length: MAX_OPENRLHF_IMAGE_ITEMS }, (_, index) => `item ${index}`);
  const getReward = JSON.stringify({
    query: items,
    prompts: items,
    labels: items,
    images: items.map(() => Array(MAX_IMAGES).fill({ url: "not an image url" })),
  });
  t.equal(count(getReward).values, 20_484);
  t.equal(count(getReward).deepest, 4);
  const texts = Array.from({ length: MAX_OPENRLHF_ITEMS }, (_, index) => `item ${index}`);
  const getRewardTexts = JSON.stringify({ query: texts, prompts: texts, labels: texts });
  t.equal(count(getRewardTexts).values, 49_155);
  // A batch at its limits: 256 items with every field, 8 images each (stated: 7,425; depth 5).
  const item = { ...validPairwiseBody(), images: Array(MAX_IMAGES).fill({ url: "x" }) };
  Object.assign(item, { rubric: "r", mode: "fast", swap: true, checkpoint: "c" });
  Object.assign(item, { collect: false, cache: false, seed: 1 });
  const batch = JSON.stringify({ items: Array(MAX_BATCH_ITEMS).fill(item) });
  t.equal(count(batch).values, 7_425);
  t.equal(count(batch).deepest, 5);
  t.equal(count(JSON.stringify(item)).values, 28, "a pairwise request");

  // Through the gateway at the least values and depth allowed: the schema, not the parser,
  // has the last word (the image URLs are invalid, so nothing is judged).
  const gateway = await gatewayBehindProxy(t, {
    JURIST_JSON_MAX_VALUES: "50000",
    JURIST_JSON_MAX_DEPTH: "5",
  });
  for (const [url, body] of [
    ["/get_reward", getReward],
    ["/get_reward", getRewardTexts],
    ["/v1/judge/batch", batch],
  ] as const) {
    const response = await post(gateway, body, url);
    const error = response.json().error ?? {};
    t.notMatch(String(error.message), /more than|deeper than|not valid JSON/, `${url}: parsed`);
  }
  t.equal(gateway.completions(), 0);
});

t.test("body limits: admin calls take 64 KiB, the judging routes their large limit", async (t) => {
  const gateway = await gatewayBehindProxy(t);
  t.equal(SMALL_BODY_LIMIT_BYTES, 64 * 1024);
  const padded = JSON.stringify({
    checkpoint: "jurist-sim-judge",
    padding: "x".repeat(SMALL_BODY_LIMIT_BYTES),
  });
  const admin = await post(gateway, padded, "/v1/admin/promote");
  t.equal(admin.statusCode, 413);
  t.equal(admin.json().error.code, "PAYLOAD_TOO_LARGE");
  t.match(admin.json().error.message, `larger than ${SMALL_BODY_LIMIT_BYTES} bytes`);
  // A valid judging body past 64 KiB: the longest texts the schema allows.
  const long = validPairwiseBody();
  long.question = `Which is better? ${"q".repeat(30_000)}`;
  long.responses = [`A ${"a".repeat(30_000)}`, `B ${"b".repeat(30_000)}`];
  const text = JSON.stringify(long);
  t.ok(text.length > SMALL_BODY_LIMIT_BYTES);
  const judged = await post(gateway, text);
  t.equal(judged.statusCode, 200, judged.body.slice(0, 200));
  t.equal(gateway.runtime.inflight.used(), 0);
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

/**
 * An upload whose headers declare `length` bytes and whose body never comes: it holds
 * `length` × the body cost against the budget until `release` closes its socket.
 */
async function holdBudget(gateway: { url: string; runtime: Runtime }, length: number) {
  const before = gateway.runtime.inflight.used();
  const socket = connect(Number(new URL(gateway.url).port), "127.0.0.1");
  await once(socket, "connect");
  socket.write(
    "POST /v1/judge/pairwise HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n" +
      `content-length: ${length}\r\n\r\n`,
  );
  const held = length * HTTP_BODY_COST_PER_BYTE;
  await until(() => gateway.runtime.inflight.used() === before + held);
  return {
    held: gateway.runtime.inflight.used() - before,
    release: () => socket.destroy(),
  };
}

t.test("the in-flight budget: bodies by Content-Length, chunked bodies, images", async (t) => {
  // Bodies of up to 10 KB, so a 30 KB budget (thrice the limit) takes any one of them alone;
  // an upload holding 24 KB leaves room for a small body (thrice ~300 bytes), not a 6 KB one.
  const gateway = await gatewayBehindProxy(t, {
    JURIST_BODY_LIMIT_BYTES: "10000",
    JURIST_INFLIGHT_BYTES_BUDGET: "30000",
  });
  const holder = await holdBudget(gateway, 8_000);
  t.equal(holder.held, 24_000, "the open upload holds thrice its Content-Length");
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

  // The holder gone, the same body passes.
  holder.release();
  t.ok(await until(() => gateway.runtime.inflight.used() === 0), "every byte given back");
  t.equal(gateway.runtime.inflight.open(), 0);
  const admitted = await post(gateway, JSON.stringify(big));
  t.equal(admitted.statusCode, 200, admitted.body.slice(0, 200));
});

t.test("the in-flight budget: decoded images join their request's bytes", async (t) => {
  // An image of 3 KB decoded: the body (~4.3 KB, counted thrice) fits 14 KB, its image does not.
  const budget = 14_000;
  const gateway = await gatewayBehindProxy(t, {
    JURIST_BODY_LIMIT_BYTES: String(Math.floor(budget / HTTP_BODY_COST_PER_BYTE)),
    JURIST_INFLIGHT_BYTES_BUDGET: String(budget),
  });
  const padded = Buffer.concat([TINY_PNG, Buffer.alloc(3_000)]);
  const body = validPairwiseBody();
  body.images = [{ url: `data:image/png;base64,${padded.toString("base64")}` }];
  const text = JSON.stringify(body);
  const bodyCost = text.length * HTTP_BODY_COST_PER_BYTE;
  t.ok(bodyCost < budget && bodyCost + padded.length > budget, "sized to tell");
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
    await until(() => gateway.runtime.inflight.used() === 5_000_000 * HTTP_BODY_COST_PER_BYTE),
    "reserved from Content-Length before the body is read",
  );
  socket.destroy();
  t.ok(await until(() => gateway.runtime.inflight.used() === 0), "released on abort");
  t.equal(gateway.runtime.inflight.open(), 0);
});

t.test("the in-flight budget: a client gone during an async onRequest step", async (t) => {
  // A key lookup or a rate-limit count in Redis can take a while; a client may leave meanwhile.
  // This hook stands for such a step: it waits until the client's socket has closed.
  const [sim] = await startSims(t, 1);
  const failures: string[] = [];
  const gateway = await buildGateway(
    t,
    { JURIST_BACKENDS: sim!.url },
    {
      listen: true,
      beforeApp: (fastify) => {
        fastify.addHook("onRequest", async (request) => {
          const socket = request.raw.socket;
          if (!socket.destroyed) await once(socket, "close");
        });
        fastify.addHook("onError", async (request, _reply, error) => {
          failures.push(`${request.url} ${(error as { code?: string }).code}`);
        });
      },
    },
  );
  const { port } = new URL(gateway.url);
  for (const [path, length] of [
    ["/v1/judge/pairwise", 10_000_000],
    ["/v1/admin/promote", 60_000],
  ] as const) {
    const socket = connect(Number(port), "127.0.0.1");
    await once(socket, "connect");
    socket.write(
      `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
        `content-length: ${length}\r\n\r\n{"checkpoint":"`,
    );
    socket.destroy();
  }
  // The parser ran after the client left, and ended: it refused, holding nothing.
  t.ok(await until(() => failures.length === 2), `both requests ended: ${failures}`);
  t.same(failures.sort(), [
    "/v1/admin/promote INVALID_REQUEST",
    "/v1/judge/pairwise INVALID_REQUEST",
  ]);
  t.equal(gateway.runtime.inflight.used(), 0, "no bytes held");
  t.equal(gateway.runtime.inflight.open(), 0, "no reservation open");
});

t.test("a body over the budget is refused before a byte is read", async (t) => {
  const gateway = await gatewayBehindProxy(t, {
    JURIST_BODY_LIMIT_BYTES: "333333",
    JURIST_INFLIGHT_BYTES_BUDGET: "1000000",
  });
  // Another upload holds 900,000 of the 1,000,000 bytes.
  const holder = await holdBudget(gateway, 300_000);
  t.equal(holder.held, 900_000);
  const { port } = new URL(gateway.url);
  const socket = connect(Number(port), "127.0.0.1");
  let answer = "";
  socket.setEncoding("utf8").on("data", (chunk: string) => {
    answer += chunk;
  });
  // Headers only: the answer comes though not one byte of the body was sent.
  socket.write(
    "POST /v1/judge/pairwise HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n" +
      "content-length: 100000\r\n\r\n",
  );
  t.ok(await until(() => answer.includes("OVERLOADED")), answer);
  t.match(answer, /^HTTP\/1\.1 503/);
  t.match(answer, /retry-after: 1/i);
  socket.destroy();
  holder.release();
  t.ok(await until(() => gateway.runtime.inflight.used() === 0), "every byte given back");
});

t.test("a body over 1 MiB, parsed on a loop turn of its own, arrives over a socket", async (t) => {
  // The request stream destroys itself a tick after its body ends (Node's autoDestroy): the
  // check for a client gone while the parse waited its turn must not take that for a leaver.
  const gateway = await gatewayBehindProxy(t, { JURIST_REWARD_MODE: "fast" });
  const system = `<|im_start|>system\n${"You answer arithmetic questions. ".repeat(60)}<|im_end|>\n`;
  const prompts = Array.from(
    { length: 300 },
    (_, i) =>
      `${system}<|im_start|>user\nWhat is ${i} plus one?<|im_end|>\n<|im_start|>assistant\n`,
  );
  const body = JSON.stringify({
    query: prompts.map((prompt, i) => `${prompt}${i + 1}<|im_end|>`),
    prompts,
    labels: prompts.map((_, i) => i + 1),
  });
  t.ok(Buffer.byteLength(body) > LOOP_TURN_BYTES, `${Buffer.byteLength(body)} bytes`);
  const response = await fetch(`${gateway.url}/get_reward`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  const answer = (await response.json()) as { rewards: unknown[] };
  t.equal(response.status, 200, JSON.stringify(answer).slice(0, 300));
  t.equal(answer.rewards.length, 300);
  t.equal(gateway.completions(), 600, "every item judged, both orders");
});
