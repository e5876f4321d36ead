import { create } from "@bufbuild/protobuf";
import { credentials, status } from "@grpc/grpc-js";
import { pino } from "pino";
import t, { type Test } from "tap";
import { request } from "undici";
import { JudgeService, PairwiseRequestSchema } from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { startGrpcServer } from "../../../src/grpc/grpc-server.ts";
import { clientConstructor } from "../../../src/grpc/service-definition.ts";
import type { Runtime } from "../../../src/runtime/runtime.ts";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { buildGateway, startSims } from "../../helpers/gateway.ts";
import { callError, unaryCall } from "../../helpers/grpc.ts";
import { within } from "../../helpers/shared-gateways.ts";

/**
 * What an operator reads: expected outcomes (shedding, deadlines) as one short info or warn
 * line, real faults at error with their cause, and no query value in the access log. The
 * gateway logs through pino into an array here, as it would to stdout.
 */

interface LogLine {
  level: number;
  msg: string;
  code?: string;
  err?: { stack?: string };
  url?: string;
  [field: string]: unknown;
}

const JudgeClient = clientConstructor(JudgeService);
const INFO = 30;
const WARN = 40;
const ERROR = 50;

function capturedLogger() {
  const lines: LogLine[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

/** A judging request that must reach a replica (no cache, no collection). */
function judge(url: string, headers: Record<string, string> = {}, seed = 1) {
  return request(`${url}/v1/judge/pairwise`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ ...validPairwiseBody(), cache: false, collect: false, seed }),
  });
}

async function answer(response: Awaited<ReturnType<typeof judge>>) {
  const body = (await response.body.json()) as { error?: { code?: string } };
  return { status: response.statusCode, code: body.error?.code };
}

const failed = (lines: LogLine[], code: string) =>
  lines.filter((line) => line.msg === "request failed" && line.code === code);

async function gateway(
  t: Test,
  sim: Parameters<typeof startSims>[2],
  env: Record<string, string> = {},
) {
  const sims = await startSims(t, 1, sim);
  const { logger, lines } = capturedLogger();
  const built = await buildGateway(
    t,
    { JURIST_BACKENDS: sims[0]!.url, JURIST_HEDGE_PERCENTILE: "0", ...env },
    { listen: true, logger },
  );
  return { ...built, lines };
}

const inFlight = (runtime: Runtime) =>
  runtime.fleet.snapshots().reduce((sum, replica) => sum + replica.inFlight, 0);

t.test("a shed request is logged at info, without a stack", async (t) => {
  // One slot, no waiting room, a replica that never answers: the second request is shed.
  const { url, runtime, lines } = await gateway(
    t,
    { stall: true },
    { JURIST_REPLICA_MAX_CONCURRENCY: "1", JURIST_ADMISSION_MAX_WAITERS: "0" },
  );
  const holding = judge(url, { "x-jurist-timeout-ms": "2000" }, 1);
  t.ok(await within(10_000, () => inFlight(runtime) >= 1), "the first request holds the slot");
  const shed = await answer(await judge(url, {}, 2));
  t.same(shed, { status: 503, code: "OVERLOADED" });
  await (await holding).body.dump();

  const logged = failed(lines, "OVERLOADED");
  t.ok(logged.length >= 1, "the shed request is logged");
  for (const line of logged) {
    t.equal(line.level, INFO, "at info");
    t.notOk(line.err, "with no error object or stack");
  }
  t.notOk(
    lines.some((line) => line.level >= ERROR),
    "nothing at error for an overloaded gateway",
  );
});

t.test("a deadline the caller chose is logged at info, the server's own at warn", async (t) => {
  const { url, lines } = await gateway(t, { stall: true }, { JURIST_REQUEST_TIMEOUT_MS: "400" });
  const callers = await answer(await judge(url, { "x-jurist-timeout-ms": "200" }, 1));
  t.same(callers, { status: 504, code: "UPSTREAM_TIMEOUT" });
  const servers = await answer(await judge(url, {}, 2));
  t.same(servers, { status: 504, code: "UPSTREAM_TIMEOUT" });
  // A header asking for as long as the server allows, or longer, is capped at the server's
  // limit: the deadline that passes is the server's, as gRPC judges a long deadline.
  for (const [asked, seed] of [
    ["400", 3],
    ["60000", 4],
  ] as const) {
    const capped = await answer(await judge(url, { "x-jurist-timeout-ms": asked }, seed));
    t.same(capped, { status: 504, code: "UPSTREAM_TIMEOUT" }, `asked for ${asked} ms`);
  }

  const logged = failed(lines, "UPSTREAM_TIMEOUT");
  t.same(
    logged.map((line) => line.level),
    [INFO, WARN, WARN, WARN],
    "the caller's shorter deadline at info; the server's at warn, however it was asked for",
  );
  t.notOk(
    logged.some((line) => line.err),
    "no error object or stack for a deadline",
  );
  t.notOk(
    lines.some((line) => line.level >= ERROR),
    "nothing at error",
  );
});

t.test("a replica's failure is still a fault, logged at error with its cause", async (t) => {
  const { url, lines } = await gateway(
    t,
    { errorRate: 1 },
    { JURIST_RETRY_MIN_PER_WINDOW: "0", JURIST_RETRY_BUDGET_RATIO: "0" },
  );
  const result = await answer(await judge(url));
  t.same(result, { status: 502, code: "UPSTREAM_ERROR" });
  const [line] = failed(lines, "UPSTREAM_ERROR");
  t.equal(line?.level, ERROR, "at error");
  t.ok(line?.err?.stack, "with the cause's stack");
});

t.test("query values never reach the log", async (t) => {
  const { url, lines } = await gateway(t, {});
  const secret = "sk-jurist-query-secret-0123456789";
  const response = await request(`${url}/v1/models?api_key=${secret}&verbose&x=1`);
  await response.body.dump();
  const access = lines.find((line) => line.msg === "request completed");
  t.equal(
    access?.url,
    "/v1/models?api_key=[redacted]&verbose=[redacted]&x=[redacted]",
    "the path and the parameter names, no value",
  );
  t.notOk(
    lines.some((line) => JSON.stringify(line).includes(secret)),
    "the key is in no log line",
  );
});

t.test(
  "over gRPC, the server's own deadline is a warn line and shedding an info line",
  async (t) => {
    const { runtime, lines } = await gateway(
      t,
      { stall: true },
      {
        JURIST_GRPC_REQUEST_TIMEOUT_MS: "300",
        JURIST_REPLICA_MAX_CONCURRENCY: "2",
        JURIST_ADMISSION_MAX_WAITERS: "0",
      },
    );
    const logger = pino(
      { level: "info" },
      { write: (line: string) => lines.push(JSON.parse(line)) },
    );
    const grpc = await startGrpcServer(runtime, { logger, host: "127.0.0.1", port: 0 });
    const client = new JudgeClient(grpc.address, credentials.createInsecure());
    t.teardown(async () => {
      client.close();
      await grpc.close(1_000);
    });
    const pairwise = () =>
      unaryCall(
        client,
        client.pairwise,
        create(PairwiseRequestSchema, {
          question: "How many apples are in the bowl?",
          responses: ["Three red apples.", "Five green apples."],
          cache: false,
          collect: false,
        }),
      );
    // The first call holds both slots until the server's limit; the second finds none free.
    const holding = callError(pairwise());
    t.ok(await within(10_000, () => inFlight(runtime) >= 2), "the first call holds the slots");
    t.equal((await callError(pairwise())).code, status.UNAVAILABLE, "the second is shed");
    t.equal((await holding).code, status.DEADLINE_EXCEEDED, "the first passes the server's limit");

    const grpcLines = lines.filter((line) => line.msg === "gRPC call failed");
    t.same(
      grpcLines.map((line) => [line.code, line.level]).sort(),
      [
        ["OVERLOADED", INFO],
        ["UPSTREAM_TIMEOUT", WARN],
      ],
      "shed at info, the server's deadline at warn",
    );
    t.notOk(
      grpcLines.some((line) => line.err),
      "no error object or stack",
    );
  },
);
