import fc from "fast-check";
import { validPairwiseBody } from "../../../helpers/fixtures.ts";
import { deepJson, imageRef, oddString, wrongType } from "./values.ts";

/** One HTTP request of the fuzz: which family made it, and what goes on the wire. */
export interface HttpCase {
  family: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

type Json = Record<string, unknown>;

/** Applies one to three mutations to a valid body: fields set to odd values, removed, added. */
function mutated(valid: () => Json, fields: Record<string, fc.Arbitrary<unknown>>) {
  const names = Object.keys(fields);
  const mutation = fc.oneof(
    // A known field set to something of the wrong type, or an odd value of the right one.
    fc
      .constantFrom(...names)
      .chain((name) =>
        fc
          .oneof(fields[name]!, wrongType, oddString)
          .map((value) => ({ set: [name, value] as const })),
      ),
    fc.constantFrom(...names).map((name) => ({ drop: name })),
    fc.tuple(oddString, wrongType).map(([name, value]) => ({ set: [name, value] as const })),
    fc.tuple(fc.constantFrom(...names), deepJson).map((raw) => ({ raw })),
  );
  return fc.array(mutation, { minLength: 0, maxLength: 3 }).map((mutations) => {
    const body: Json = valid();
    const raw: [string, string][] = [];
    for (const m of mutations) {
      if ("set" in m) body[m.set[0]] = m.set[1];
      else if ("drop" in m) delete body[m.drop];
      else raw.push([m.raw[0], m.raw[1]]);
    }
    let text = JSON.stringify(body);
    // Deep JSON is spliced in as text: JSON.stringify of a 1,000-deep value is what we test.
    for (const [name, json] of raw) {
      text = text.replace(/}$/, `${text === "{}" ? "" : ","}${JSON.stringify(name)}:${json}}`);
    }
    return text;
  });
}

const pairwiseFields = {
  question: oddString,
  responses: fc.array(oddString, { maxLength: 4 }),
  images: fc.array(imageRef, { maxLength: 3 }),
  rubric: oddString,
  mode: fc.constantFrom("fast", "reasoned", "FAST", ""),
  swap: fc.boolean(),
  seed: fc.oneof(fc.integer(), fc.double(), fc.constant(2 ** 53)),
  checkpoint: fc.oneof(fc.constant("jurist-sim-judge"), oddString),
  cache: fc.boolean(),
  collect: fc.boolean(),
};

// No cache: each verdict reaches the replica, as an attacker's would.
const validPairwise = () => ({ ...validPairwiseBody(), cache: false, collect: false });
export const pairwiseBody = mutated(validPairwise, pairwiseFields);

const batchBody = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .array(pairwiseBody, { maxLength: 4 })
      .map((items) => `{"items":[${items.join(",")}]}`),
  },
  { weight: 1, arbitrary: wrongType.map((items) => JSON.stringify({ items })) },
  { weight: 1, arbitrary: fc.constant(`{"items":[${Array(257).fill("{}").join(",")}]}`) },
  { weight: 1, arbitrary: deepJson.map((json) => `{"items":[${json}]}`) },
);

const rewardBody = mutated(
  () => ({
    question: "Which answer counts the apples right?",
    candidates: ["Three apples.", "Five apples.", "No apples."],
    reference: "Three apples.",
  }),
  {
    question: oddString,
    candidates: fc.array(oddString, { maxLength: 5 }),
    reference: oddString,
    method: fc.constantFrom("reference", "round_robin", "elo"),
    mode: fc.constantFrom("fast", "reasoned", "x"),
    images: fc.array(imageRef, { maxLength: 2 }),
    checkpoint: oddString,
  },
);

const getRewardBody = mutated(
  () => ({
    query: ["Q: how many apples? A: three", "Q: how many apples? A: five"],
    prompts: ["Q: how many apples? A:", "Q: how many apples? A:"],
    labels: ["three", null],
  }),
  {
    query: fc.array(oddString, { maxLength: 3 }),
    prompts: fc.array(oddString, { maxLength: 3 }),
    labels: fc.array(fc.option(oddString), { maxLength: 3 }),
    images: fc.array(fc.array(imageRef, { maxLength: 2 }), { maxLength: 3 }),
  },
);

const checkpointId = fc.oneof(fc.constantFrom("jurist-sim-judge", "fuzz-lora", ""), oddString);
const adminBody = fc.oneof(
  mutated(
    () => ({ id: "fuzz-lora", kind: "lora", base_model: "jurist-sim-judge", uri: "/tmp/none" }),
    {
      id: checkpointId,
      kind: fc.constantFrom("lora", "full", "x"),
      base_model: oddString,
      uri: oddString,
      parent: fc.option(checkpointId),
    },
  ),
  mutated(() => ({ checkpoint: "fuzz-lora", expected_champion: null }), {
    checkpoint: checkpointId,
    expected_champion: fc.option(checkpointId),
  }),
  fc.constant(""),
);

/** Bodies that are not JSON objects at all, or not even UTF-8. */
const strangeBody: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.string(),
  fc.anything().map((v) => JSON.stringify(v) ?? "null"),
  deepJson,
  fc.constantFrom(
    "[".repeat(1_000),
    "{".repeat(1_000),
    '{"a":'.repeat(1_000),
    // Wide, not deep: 120,000 values at depth 2, past JURIST_JSON_MAX_VALUES.
    `[${"{},".repeat(60_000)}{}]`,
    "",
    "{",
    "nul",
    "1e999999",
  ),
  // Invalid UTF-8: stray continuation bytes, overlong forms, a truncated sequence.
  fc
    .uint8Array({ maxLength: 64 })
    .map((bytes) =>
      Buffer.concat([
        Buffer.from('{"question":"'),
        Buffer.from([0xc0, 0xaf, 0xff, 0xfe]),
        Buffer.from(bytes),
        Buffer.from('"}'),
      ]),
    ),
  fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
);

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant("application/json") },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "application/json; charset=utf-8",
      "application/json; charset=latin1",
      "Application/JSON",
      "application/json, text/plain",
      "application/merge-patch+json",
      "text/plain",
      "text/html",
      "multipart/form-data; boundary=x",
      "application/x-www-form-urlencoded",
      "application/grpc",
      "image/png",
      "*/*",
      "",
      ";;;",
    ),
  },
);

/** Optional headers: deadlines, priorities, origins, and noise. */
const someHeaders = fc.record(
  {
    "x-jurist-timeout-ms": fc.constantFrom(
      "0",
      "-1",
      "1",
      "50",
      "1.5",
      "abc",
      "1e3",
      "99999999999",
      "",
      " 100",
      "0x10",
    ),
    "x-jurist-priority": fc.constantFrom(
      "interactive",
      "batch",
      "BATCH",
      "idle",
      "",
      "interactive, batch",
      "\u00e9",
    ),
    origin: fc.constantFrom("http://evil.example", "null", "http://127.0.0.1:8080"),
    "sec-fetch-site": fc.constantFrom("cross-site", "same-origin", "none", "garbage"),
    accept: fc.constantFrom("text/html", "application/grpc", "*/*", "application/json;q=0"),
    "content-encoding": fc.constantFrom("gzip", "br", "identity", "x-unknown"),
    "x-fuzz": fc
      .string({ unit: "grapheme-ascii", maxLength: 200 })
      .map((s) => s.replace(/[^\x21-\x7e ]/g, "")),
  },
  { requiredKeys: [] },
);

/** Credentials that are not a key: each of these is a 401 whatever else the request holds. */
const badCredentials = fc
  .constantFrom(
    "Bearer ",
    "Bearer x",
    "Basic dXNlcjpwYXNz",
    "bearer jk_nope",
    "Bearer \u00ff",
    `Bearer ${"k".repeat(4_000)}`,
  )
  .map((authorization) => ({ authorization }));

/** Most requests with no extra header; some with odd ones, a few with bad credentials. */
const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({}) },
  { weight: 4, arbitrary: someHeaders },
  { weight: 1, arbitrary: badCredentials },
);

/** A query string, sometimes malformed. */
const query = fc.oneof(
  { weight: 6, arbitrary: fc.constant("") },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "?api_key=secret",
      "?a=%zz",
      "?&&=&",
      "?x=1&x=2",
      `?q=${"a".repeat(8_000)}`,
      "?__proto__[a]=1",
    ),
  },
);

const judgingRoute = fc.constantFrom(
  ["judge-pairwise", "/v1/judge/pairwise", pairwiseBody],
  ["judge-batch", "/v1/judge/batch", batchBody],
  ["reward", "/v1/reward", rewardBody],
  ["get-reward", "/get_reward", getRewardBody],
) as fc.Arbitrary<[string, string, fc.Arbitrary<string>]>;

/** POSTs to the judging and reward routes: mutated valid bodies, or strange ones. */
const judgingCase: fc.Arbitrary<HttpCase> = judgingRoute.chain(([family, path, body]) =>
  fc
    .record({
      body: fc.oneof(
        { weight: 5, arbitrary: body as fc.Arbitrary<string | Buffer> },
        { weight: 1, arbitrary: strangeBody },
      ),
      type: contentType,
      headers: extraHeaders,
      query,
    })
    .map(({ body, type, headers, query }) => ({
      family,
      method: "POST",
      path: path + query,
      headers: { ...headers, ...(type ? { "content-type": type } : {}) },
      body,
    })),
);

const adminCase: fc.Arbitrary<HttpCase> = fc
  .record({
    path: fc.constantFrom("/v1/admin/checkpoints", "/v1/admin/promote", "/v1/admin/rollback"),
    method: fc.constantFrom("POST", "POST", "POST", "GET", "DELETE"),
    body: fc.oneof(adminBody as fc.Arbitrary<string | Buffer>, strangeBody),
    type: contentType,
    headers: extraHeaders,
  })
  .map(({ path, method, body, type, headers }) => ({
    family: "admin",
    method,
    path,
    headers: { ...headers, ...(type ? { "content-type": type } : {}) },
    ...(method === "GET" ? {} : { body }),
  }));

const READ_PATHS = [
  "/healthz",
  "/readyz",
  "/metrics",
  "/v1/models",
  "/openapi.json",
  "/docs",
  "/docs/",
  "/docs/static/index.html",
  "/docs/json",
  "/v1/admin/checkpoints",
];

/** Reads of every read-only route, other methods on them, and paths that are not routes. */
const readCase: fc.Arbitrary<HttpCase> = fc
  .record({
    path: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...READ_PATHS) },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          "/",
          "//v1//models",
          "/v1/judge/pairwise/../../v1/admin/rollback",
          "/docs/static/%E0%A4%A",
          "/docs/static/../../../etc/passwd",
          "/%",
          "/v1/%00",
          `/${"a".repeat(10_000)}`,
          "/v1/judge/pairwise?",
          "/V1/JUDGE/PAIRWISE",
          "/favicon.ico",
        ),
      },
      { weight: 1, arbitrary: fc.webPath().map((p) => p || "/") },
    ),
    method: fc.constantFrom(
      "GET",
      "GET",
      "GET",
      "HEAD",
      "OPTIONS",
      "PUT",
      "DELETE",
      "PATCH",
      "POST",
    ),
    query,
    headers: extraHeaders,
  })
  .map(({ path, method, query, headers }) => ({
    family: "read",
    method,
    path: path + query,
    headers,
    ...(method === "POST" || method === "PUT" || method === "PATCH" ? { body: "{}" } : {}),
  }));

/** Every HTTP route, weighted toward the judging routes where the parsing happens. */
export const httpCase: fc.Arbitrary<HttpCase> = fc.oneof(
  { weight: 10, arbitrary: judgingCase },
  { weight: 2, arbitrary: adminCase },
  { weight: 3, arbitrary: readCase },
);
