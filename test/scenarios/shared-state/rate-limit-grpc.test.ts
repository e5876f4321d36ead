import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { type ServiceError, status } from "@grpc/grpc-js";
import t from "tap";
import { request } from "undici";
import { generateApiKey } from "../../../src/auth/api-key.ts";
import { PairwiseRequestSchema } from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { startSims, type Teardown } from "../../helpers/gateway.ts";
import { bearer, type GrpcGateway, startGrpcGateway, unaryCall } from "../../helpers/grpc.ts";
import { startRedis } from "../../helpers/redis-server.ts";
import { within } from "../../helpers/shared-gateways.ts";

/** Two gateways, HTTP and gRPC each, counting one key's verdicts in one real Redis. */
async function twoGateways(t: Teardown, env: Record<string, string>) {
  const redis = await startRedis(t);
  const sims = await startSims(t, 1);
  const shared = {
    REDIS_URL: redis.url,
    JURIST_BACKENDS: sims[0]!.url,
    JURIST_AUTH: "required",
    ...env,
  };
  const dir = () => ({ JURIST_DATA_DIR: mkdtempSync(join(tmpdir(), "jurist-data-")) });
  const first = await startGrpcGateway(t, { ...shared, ...dir() });
  const second = await startGrpcGateway(t, { ...shared, ...dir() });
  const { plain, record } = generateApiKey("acme", "judge");
  await first.runtime.stores.keys.add(record);
  return { redis, gateways: [first, second] as const, key: plain, keyId: record.id };
}

async function grpcOutcome(g: GrpcGateway, key: string, seed: number): Promise<string> {
  const message = create(PairwiseRequestSchema, {
    question: "How many apples are in the bowl?",
    responses: ["Three red apples.", "Five green apples."],
    seed,
  });
  try {
    await unaryCall(g.judge, g.judge.pairwise, message, { metadata: bearer(key) });
    return "OK";
  } catch (error) {
    const { code, metadata } = error as ServiceError;
    return `${status[code]} ${metadata.get("jurist-error-code")[0]}`;
  }
}

async function httpStatus(g: GrpcGateway, path: string, body: unknown, key: string) {
  const response = await request(`${g.url}${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
  });
  await response.body.dump();
  return response.statusCode;
}

t.test("two gateways share one key's budget over HTTP and gRPC", async (t) => {
  const { gateways, key, keyId } = await twoGateways(t, { JURIST_RATE_LIMIT_PER_MINUTE: "5" });
  const [a, b] = gateways;
  const seen = [
    await grpcOutcome(a, key, 1),
    await grpcOutcome(a, key, 2),
    await grpcOutcome(a, key, 3),
    String(await httpStatus(b, "/v1/judge/pairwise", validPairwiseBody(), key)),
    String(await httpStatus(b, "/v1/judge/pairwise", validPairwiseBody(), key)),
    await grpcOutcome(b, key, 4),
    String(await httpStatus(a, "/v1/judge/pairwise", validPairwiseBody(), key)),
  ];
  t.same(
    seen,
    ["OK", "OK", "OK", "200", "200", "RESOURCE_EXHAUSTED RATE_LIMITED", "429"],
    "5 verdicts a minute, wherever and however they are asked for",
  );
  const redis = a.runtime.stores.redis!.commands;
  t.equal(await redis.get(`rate:${keyId}`), "5", "counted at <prefix>rate:<key id>");
  const ttl = await redis.pttl(`rate:${keyId}`);
  t.ok(ttl > 0 && ttl <= 60_000, "in a window of at most a minute");
});

t.test("a batch is refused whole, in Redis too: only its first verdict is spent", async (t) => {
  const { gateways, key } = await twoGateways(t, { JURIST_RATE_LIMIT_PER_MINUTE: "5" });
  const [a, b] = gateways;
  const items = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ ...validPairwiseBody(), seed: i, cache: false }));
  t.equal(await httpStatus(a, "/v1/judge/batch", { items: items(10) }, key), 429, "10 > 5");
  t.equal(await httpStatus(b, "/v1/judge/batch", { items: items(4) }, key), 200, "1 + 4 = 5");
  t.equal(await grpcOutcome(a, key, 9), "RESOURCE_EXHAUSTED RATE_LIMITED", "then none left");
});

t.test("fail closed: gRPC answers UNAVAILABLE STORE_UNAVAILABLE while Redis is down", async (t) => {
  const { redis, gateways, key } = await twoGateways(t, {
    JURIST_RATE_LIMIT_PER_MINUTE: "100",
    JURIST_RATE_LIMIT_FAIL_OPEN: "false",
  });
  const [a] = gateways;
  t.equal(await grpcOutcome(a, key, 1), "OK", "counted while Redis is up");
  await redis.stop(true);
  await within(3_000, () => a.runtime.stores.status() === "degraded");
  t.equal(await grpcOutcome(a, key, 2), "UNAVAILABLE STORE_UNAVAILABLE");
});
