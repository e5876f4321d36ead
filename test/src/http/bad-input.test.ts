import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import t from "tap";
import { TINY_PNG_DATA_URI, validPairwiseBody } from "../../helpers/fixtures.ts";
import { startGateway } from "../../helpers/gateway.ts";

type Body = Record<string, unknown>;

const long = (n: number) => "x".repeat(n);

/** Each case: a body built from a valid one, and the status and code API.md promises. */
const cases: [string, (body: Body) => Body, number, string][] = [
  ["missing question", ({ question: _q, ...rest }) => rest, 400, "INVALID_REQUEST"],
  ["missing responses", ({ responses: _r, ...rest }) => rest, 400, "INVALID_REQUEST"],
  ["question is a number", (b) => ({ ...b, question: 42 }), 400, "INVALID_REQUEST"],
  ["swap is a string", (b) => ({ ...b, swap: "yes" }), 400, "INVALID_REQUEST"],
  ["mode is unknown", (b) => ({ ...b, mode: "slow" }), 400, "INVALID_REQUEST"],
  ["one response", (b) => ({ ...b, responses: ["only one"] }), 400, "INVALID_REQUEST"],
  ["three responses", (b) => ({ ...b, responses: ["a", "b", "c"] }), 400, "INVALID_REQUEST"],
  ["empty question", (b) => ({ ...b, question: "" }), 400, "INVALID_REQUEST"],
  ["blank question", (b) => ({ ...b, question: "   " }), 400, "INVALID_REQUEST"],
  ["empty response", (b) => ({ ...b, responses: ["", "b"] }), 400, "INVALID_REQUEST"],
  ["over-long question", (b) => ({ ...b, question: long(32_769) }), 400, "INVALID_REQUEST"],
  ["over-long response", (b) => ({ ...b, responses: ["a", long(32_769)] }), 400, "INVALID_REQUEST"],
  ["over-long rubric", (b) => ({ ...b, rubric: long(4_097) }), 400, "INVALID_REQUEST"],
  [
    "nine images",
    (b) => ({ ...b, images: Array(9).fill({ url: TINY_PNG_DATA_URI }) }),
    400,
    "INVALID_REQUEST",
  ],
  ["unknown field", (b) => ({ ...b, temperature: 0.2 }), 400, "INVALID_REQUEST"],
  [
    "unknown field in an image",
    (b) => ({ ...b, images: [{ url: TINY_PNG_DATA_URI, detail: "high" }] }),
    400,
    "INVALID_REQUEST",
  ],
  [
    "data URI not base64",
    (b) => ({ ...b, images: [{ url: "data:image/png;base64,@@not base64!!" }] }),
    400,
    "INVALID_REQUEST",
  ],
  [
    "data URI that is not an image",
    (b) => ({
      ...b,
      images: [{ url: `data:image/png;base64,${Buffer.from("hello world").toString("base64")}` }],
    }),
    415,
    "UNSUPPORTED_MEDIA",
  ],
  [
    "data URI of another type",
    (b) => ({ ...b, images: [{ url: "data:text/plain;base64,aGVsbG8=" }] }),
    400,
    "INVALID_REQUEST",
  ],
  ["file: URL", (b) => ({ ...b, images: [{ url: "file:///etc/passwd" }] }), 400, "INVALID_REQUEST"],
  [
    "ftp: URL",
    (b) => ({ ...b, images: [{ url: "ftp://example.com/a.png" }] }),
    400,
    "INVALID_REQUEST",
  ],
  [
    "private address",
    (b) => ({ ...b, images: [{ url: "http://10.1.2.3/a.png" }] }),
    422,
    "IMAGE_FETCH_FAILED",
  ],
  [
    "link-local metadata address",
    (b) => ({ ...b, images: [{ url: "http://169.254.169.254/latest/meta-data" }] }),
    422,
    "IMAGE_FETCH_FAILED",
  ],
  [
    "IPv6 loopback",
    (b) => ({ ...b, images: [{ url: "http://[::1]:9/a.png" }] }),
    422,
    "IMAGE_FETCH_FAILED",
  ],
  ["unknown checkpoint", (b) => ({ ...b, checkpoint: "no-such-checkpoint" }), 404, "NOT_FOUND"],
];

t.test("every bad input gets its 4xx and stable code", async (t) => {
  // No allow-list here: loopback and private image addresses must be refused.
  const { fastify } = await startGateway(t, { env: { JURIST_IMAGE_FETCH_ALLOW: "" } });
  for (const [name, mutate, status, code] of cases) {
    const response = await fastify.inject({
      method: "POST",
      url: "/v1/judge/pairwise",
      payload: mutate(validPairwiseBody()),
    });
    t.equal(response.statusCode, status, `${name}: status`);
    t.equal(response.json().error?.code, code, `${name}: code`);
    t.type(response.json().error?.message, "string", `${name}: message`);
  }
});

t.test("validation errors name the offending field", async (t) => {
  const { fastify } = await startGateway(t);
  const response = await fastify.inject({
    method: "POST",
    url: "/v1/judge/pairwise",
    payload: { ...validPairwiseBody(), responses: ["a", ""] },
  });
  t.equal(response.statusCode, 400);
  const paths = response.json().error.details.map((d: { path?: string }) => d.path);
  t.ok(paths.includes("responses.1"), `details name responses.1 (got ${paths})`);
});

t.test("a loopback URL not on the allow-list is refused before any connection", async (t) => {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits += 1;
    res.end("x");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as AddressInfo;
  const { fastify } = await startGateway(t, { env: { JURIST_IMAGE_FETCH_ALLOW: "" } });
  for (const host of ["127.0.0.1", "localhost"]) {
    const response = await fastify.inject({
      method: "POST",
      url: "/v1/judge/pairwise",
      payload: { ...validPairwiseBody(), images: [{ url: `http://${host}:${port}/a.png` }] },
    });
    t.equal(response.statusCode, 422, host);
    t.equal(response.json().error.code, "IMAGE_FETCH_FAILED", host);
  }
  t.equal(hits, 0, "the image server was never contacted");
});

t.test("a fetched file that is not an image → 415", async (t) => {
  const server = createServer((_req, res) => {
    res.setHeader("content-type", "image/png");
    res.end("<html>not an image</html>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as AddressInfo;
  const { fastify } = await startGateway(t);
  const response = await fastify.inject({
    method: "POST",
    url: "/v1/judge/pairwise",
    payload: { ...validPairwiseBody(), images: [{ url: `http://127.0.0.1:${port}/a.png` }] },
  });
  t.equal(response.statusCode, 415);
  t.equal(response.json().error.code, "UNSUPPORTED_MEDIA");
});

t.test("bodies: too large, not JSON, wrong content type, empty", async (t) => {
  const { fastify } = await startGateway(t, { env: { JURIST_BODY_LIMIT_BYTES: "100000" } });
  const post = (payload: string, contentType = "application/json") =>
    fastify.inject({
      method: "POST",
      url: "/v1/judge/pairwise",
      payload,
      headers: { "content-type": contentType },
    });
  const tooLarge = await post(JSON.stringify({ ...validPairwiseBody(), rubric: long(200_000) }));
  t.equal(tooLarge.statusCode, 413);
  t.equal(tooLarge.json().error.code, "PAYLOAD_TOO_LARGE");
  const notJson = await post("{ question: nope");
  t.equal(notJson.statusCode, 400);
  t.equal(notJson.json().error.code, "INVALID_REQUEST");
  const text = await post("question=hi", "text/plain");
  t.equal(text.statusCode, 415);
  t.equal(text.json().error.code, "UNSUPPORTED_MEDIA");
  const empty = await post("");
  t.equal(empty.statusCode, 400);
  t.equal(empty.json().error.code, "INVALID_REQUEST");
  const array = await post("[1,2,3]");
  t.equal(array.statusCode, 400);
  const proto = await post('{"__proto__": {"x": 1}, "question": "q"}');
  t.equal(proto.statusCode, 400);
});

t.test("batch: a malformed envelope is a 400, a bad item fails alone", async (t) => {
  const { fastify } = await startGateway(t);
  for (const payload of [{}, { items: [] }, { items: "x" }, { items: Array(257).fill({}) }]) {
    const response = await fastify.inject({ method: "POST", url: "/v1/judge/batch", payload });
    t.equal(response.statusCode, 400, JSON.stringify(payload).slice(0, 40));
    t.equal(response.json().error.code, "INVALID_REQUEST");
  }
  const response = await fastify.inject({
    method: "POST",
    url: "/v1/judge/batch",
    payload: {
      items: [validPairwiseBody(), { question: "q", responses: ["a"] }, validPairwiseBody()],
    },
  });
  t.equal(response.statusCode, 200);
  const results = response.json().results;
  t.same(
    results.map((r: { index: number }) => r.index),
    [0, 1, 2],
  );
  t.equal(results[0].verdict.outcome, "ok");
  t.equal(results[1].error.code, "INVALID_REQUEST");
  t.ok(results[1].error.details.some((d: { path: string }) => d.path.startsWith("items.1")));
  t.equal(results[2].verdict.outcome, "ok");
});

t.test("unknown routes answer 404 in the error shape", async (t) => {
  const { fastify } = await startGateway(t);
  const response = await fastify.inject({ method: "GET", url: "/v1/nothing" });
  t.equal(response.statusCode, 404);
  t.equal(response.json().error.code, "NOT_FOUND");
});
