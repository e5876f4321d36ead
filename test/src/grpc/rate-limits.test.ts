import { once } from "node:events";
import { create } from "@bufbuild/protobuf";
import { type Metadata, type ServiceError, type StatusObject, status } from "@grpc/grpc-js";
import t from "tap";
import { request } from "undici";
import { generateApiKey } from "../../../src/auth/api-key.ts";
import {
  PairwiseRequestSchema,
  PairwiseStreamRequestSchema,
  type PairwiseStreamResponse,
  RewardRequestSchema,
} from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { startSims, type Teardown } from "../../helpers/gateway.ts";
import {
  bearer,
  callError,
  type GrpcGateway,
  startGrpcGateway,
  unaryCall,
} from "../../helpers/grpc.ts";

/**
 * Rate limits over gRPC, and per verdict on both transports: one budget per key (or client
 * address), spent by HTTP and gRPC alike, a batch or reward request costing its verdicts.
 */

async function gateway(t: Teardown, perMinute: number, auth = "required") {
  const sims = await startSims(t, 1);
  const gateway = await startGrpcGateway(t, {
    JURIST_BACKENDS: sims[0]!.url,
    JURIST_AUTH: auth,
    JURIST_RATE_LIMIT_PER_MINUTE: String(perMinute),
  });
  const { plain, record } = generateApiKey("acme", "judge");
  await gateway.runtime.stores.keys.add(record);
  return { ...gateway, key: plain };
}

function pairwise(g: GrpcGateway, metadata: Metadata, seed: number) {
  const message = create(PairwiseRequestSchema, {
    question: "How many apples are in the bowl?",
    responses: ["Three red apples.", "Five green apples."],
    seed,
  });
  return unaryCall(g.judge, g.judge.pairwise, message, { metadata });
}

async function httpPost(url: string, path: string, body: unknown, key?: string) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key) headers.authorization = `Bearer ${key}`;
  const response = await request(`${url}${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers,
  });
  const json = (await response.body.json()) as { error?: { code: string; message: string } };
  return { status: response.statusCode, headers: response.headers, json };
}

/** How each call ended: `OK` or its jurist-error-code. */
async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "OK";
  } catch (error) {
    return String((error as ServiceError).metadata.get("jurist-error-code")[0]);
  }
}

t.test("a 5/min key over gRPC: the 6th call is RESOURCE_EXHAUSTED with retry-after", async (t) => {
  const g = await gateway(t, 5);
  for (let i = 0; i < 5; i++) await pairwise(g, bearer(g.key), i);
  const error = await callError(pairwise(g, bearer(g.key), 5));
  t.equal(error.code, status.RESOURCE_EXHAUSTED);
  t.same(error.metadata.get("jurist-error-code"), ["RATE_LIMITED"]);
  const [retryAfter] = error.metadata.get("retry-after");
  t.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60, `retry-after ${retryAfter} s`);
  t.match(error.details, /rate limit of 5 verdicts per minute/);
  const other = generateApiKey("other", "judge");
  await g.runtime.stores.keys.add(other.record);
  await pairwise(g, bearer(other.plain), 6);
  t.pass("another key has its own budget");
  const reward = await callError(
    unaryCall(
      g.judge,
      g.judge.reward,
      create(RewardRequestSchema, { question: "Q?", candidates: ["a", "b"], reference: "r" }),
      { metadata: bearer(g.key) },
    ),
  );
  t.same(reward.metadata.get("jurist-error-code"), ["RATE_LIMITED"], "Reward is limited too");
});

t.test(
  "HTTP and gRPC spend one budget: 3 over HTTP, then the 3rd over gRPC is refused",
  async (t) => {
    const g = await gateway(t, 5);
    for (let i = 0; i < 3; i++) {
      const answer = await httpPost(
        g.url,
        "/v1/judge/pairwise",
        { ...validPairwiseBody(), seed: i },
        g.key,
      );
      t.equal(answer.status, 200, `HTTP ${i + 1}`);
      t.equal(answer.headers["x-ratelimit-remaining"], String(4 - i), "HTTP says what is left");
    }
    const grpc = [];
    for (let i = 0; i < 3; i++) grpc.push(await outcome(pairwise(g, bearer(g.key), 10 + i)));
    t.same(grpc, ["OK", "OK", "RATE_LIMITED"], "the 6th verdict of the minute is refused");
    const http = await httpPost(g.url, "/v1/judge/pairwise", validPairwiseBody(), g.key);
    t.equal(http.status, 429, "and HTTP agrees");
    t.equal(http.json.error?.code, "RATE_LIMITED");
  },
);

t.test("without a key, HTTP and gRPC count the client's address together", async (t) => {
  const g = await gateway(t, 2, "off");
  t.equal((await httpPost(g.url, "/v1/judge/pairwise", validPairwiseBody())).status, 200);
  const meta = () => bearerless();
  t.same(
    [await outcome(pairwise(g, meta(), 1)), await outcome(pairwise(g, meta(), 2))],
    ["OK", "RATE_LIMITED"],
    "ip:127.0.0.1 over both transports",
  );
});

function bearerless(): Metadata {
  const metadata = bearer("x");
  metadata.remove("authorization");
  return metadata;
}

t.test("batches cost their items, all or nothing", async (t) => {
  const g = await gateway(t, 5);
  const items = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ ...validPairwiseBody(), seed: i, cache: false }));
  const ten = await httpPost(g.url, "/v1/judge/batch", { items: items(10) }, g.key);
  t.equal(ten.status, 429, "a 10-item batch against a 5/min key is refused");
  t.equal(ten.json.error?.code, "RATE_LIMITED");
  t.match(ten.json.error?.message, /asks for 10 verdicts, more than the limit of 5/);
  t.ok(Number(ten.headers["retry-after"]) >= 1, "with Retry-After");
  const four = await httpPost(g.url, "/v1/judge/batch", { items: items(4) }, g.key);
  t.equal(four.status, 200, "the refused batch spent only its first verdict: 4 more fit");
  const one = await httpPost(g.url, "/v1/judge/pairwise", validPairwiseBody(), g.key);
  t.equal(one.status, 429, "and then the minute's 5 are spent");
});

t.test("reward requests cost one verdict per pair", async (t) => {
  const g = await gateway(t, 5);
  // Round robin over 4 candidates: 6 pairs, more than 5.
  const roundRobin = { question: "Q?", candidates: ["a", "b", "c", "d"] };
  const http = await httpPost(g.url, "/v1/reward", roundRobin, g.key);
  t.equal(http.status, 429, "6 pairs over HTTP");
  t.match(http.json.error?.message, /asks for 6 verdicts/);
  const grpc = await callError(
    unaryCall(g.judge, g.judge.reward, create(RewardRequestSchema, roundRobin), {
      metadata: bearer(g.key),
    }),
  );
  t.equal(grpc.code, status.RESOURCE_EXHAUSTED, "6 pairs over gRPC");
  // Each refusal spent its first verdict: 3 are left, a reference request of 3 candidates fits.
  const reference = { question: "Q?", candidates: ["a", "b", "c"], reference: "r" };
  t.equal((await httpPost(g.url, "/v1/reward", reference, g.key)).status, 200, "3 pairs fit");
  const openRlhf = { query: ["p a"], prompts: ["p"], labels: ["b"] };
  t.equal(
    (await httpPost(g.url, "/get_reward", openRlhf, g.key)).status,
    429,
    "and /get_reward's item does not",
  );
});

t.test("a stream item over the limit gets RATE_LIMITED; the stream goes on", async (t) => {
  const g = await gateway(t, 5);
  const stream = g.judge.pairwiseStream(bearer(g.key));
  const answers: PairwiseStreamResponse[] = [];
  stream.on("data", (answer: PairwiseStreamResponse) => answers.push(answer));
  const ended = new Promise<StatusObject>((resolve) => stream.once("status", resolve));
  for (let i = 0; i < 7; i++) {
    const item = create(PairwiseStreamRequestSchema, {
      id: `item-${i}`,
      request: { question: `Apples in bowl ${i}?`, responses: ["Three.", "Five."], cache: false },
    });
    if (!stream.write(item)) await once(stream, "drain");
  }
  stream.end();
  t.equal((await ended).code, status.OK, "the stream ends OK");
  const codes = answers.map((a) => (a.result.case === "error" ? a.result.value.code : "verdict"));
  t.equal(codes.filter((c) => c === "verdict").length, 5, "5 verdicts");
  t.same(
    codes.filter((c) => c !== "verdict"),
    ["RATE_LIMITED", "RATE_LIMITED"],
    "2 items over the limit",
  );
  const [limited] = answers.filter((a) => a.result.case === "error");
  t.match(
    limited?.result.case === "error" && limited.result.value.message,
    /retry in \d+ s/,
    "the answer says when to retry",
  );
});
