import { create } from "@bufbuild/protobuf";
import { type StatusObject, status } from "@grpc/grpc-js";
import t from "tap";
import {
  PairwiseRequestSchema,
  PairwiseStreamRequestSchema,
} from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { startSims } from "../../helpers/gateway.ts";
import {
  callError,
  gaugeValue,
  simMetric,
  startGrpcGateway,
  unaryCall,
  until,
} from "../../helpers/grpc.ts";

/** Completions take this long on the slow sim: anything gone sooner was cancelled. */
const SLOW_MS = 2_000;
const RUNNING = "vllm:num_requests_running";
const SUCCEEDED = "vllm:request_success_total";

function request(question = "How many apples are in the bowl?") {
  return create(PairwiseRequestSchema, {
    question,
    responses: ["Three red apples.", "Five green apples."],
    cache: false,
    collect: false,
  });
}

t.test(
  "deadline exceeded: DEADLINE_EXCEEDED, and the engine sees its calls cancelled",
  async (t) => {
    const [sim] = await startSims(t, 1, { latencyMs: SLOW_MS });
    const { judge } = await startGrpcGateway(t, { JURIST_BACKENDS: sim!.url });
    const started = Date.now();
    const failed = callError(unaryCall(judge, judge.pairwise, request(), { deadlineMs: 600 }));
    t.ok(
      await until(async () => (await simMetric(sim!.url, RUNNING)) === 2),
      "both orders running",
    );
    const error = await failed;
    t.equal(error.code, status.DEADLINE_EXCEEDED);
    t.ok(
      await until(async () => (await simMetric(sim!.url, RUNNING)) === 0, SLOW_MS / 2),
      "the engine's running requests drop to 0 long before they would have finished",
    );
    t.ok(Date.now() - started < SLOW_MS, `within ${SLOW_MS} ms of the call`);
    t.equal(await simMetric(sim!.url, SUCCEEDED), 0, "no completion was answered");
  },
);

for (const [setting, env] of [
  // gRPC's own limit: HTTP's (left at its 60 s default) does not apply to gRPC calls.
  ["JURIST_GRPC_REQUEST_TIMEOUT_MS", { JURIST_GRPC_REQUEST_TIMEOUT_MS: "300" }],
  // Unset, gRPC keeps to HTTP's request timeout, as it did before it had its own.
  ["JURIST_REQUEST_TIMEOUT_MS alone", { JURIST_REQUEST_TIMEOUT_MS: "300" }],
] as const) {
  t.test(`the server's own limit applies without a client deadline: ${setting}`, async (t) => {
    const [sim] = await startSims(t, 1, { latencyMs: SLOW_MS });
    const { judge } = await startGrpcGateway(t, { JURIST_BACKENDS: sim!.url, ...env });
    const error = await callError(unaryCall(judge, judge.pairwise, request()));
    t.equal(error.code, status.DEADLINE_EXCEEDED);
    t.same(error.metadata.get("jurist-error-code"), ["UPSTREAM_TIMEOUT"]);
    t.ok(await until(async () => (await simMetric(sim!.url, RUNNING)) === 0, SLOW_MS / 2));
  });
}

t.test("a client cancelling mid-stream frees the server's work", async (t) => {
  const [sim] = await startSims(t, 1, { latencyMs: SLOW_MS });
  const { runtime, judge } = await startGrpcGateway(t, {
    JURIST_BACKENDS: sim!.url,
    JURIST_GRPC_STREAM_CONCURRENCY: "4",
  });
  const stream = judge.pairwiseStream();
  stream.on("data", () => t.fail("nothing should finish before the cancel"));
  stream.on("error", () => {});
  const ended = new Promise<StatusObject>((resolve) => stream.once("status", resolve));
  for (let index = 0; index < 20; index++) {
    stream.write(
      create(PairwiseStreamRequestSchema, { id: `item-${index}`, request: request(`Q${index}?`) }),
    );
  }
  const inFlight = () => gaugeValue(runtime, "jurist_grpc_stream_in_flight");
  t.ok(await until(async () => (await inFlight()) === 4), "4 items in flight (the bound)");
  t.ok(await until(async () => (await simMetric(sim!.url, RUNNING)) === 8), "8 engine calls");

  const cancelledAt = Date.now();
  stream.cancel();
  t.equal((await ended).code, status.CANCELLED);
  t.ok(await until(async () => (await inFlight()) === 0, SLOW_MS / 2), "server in-flight: 0");
  t.ok(
    await until(async () => (await simMetric(sim!.url, RUNNING)) === 0, SLOW_MS / 2),
    "engine running: 0",
  );
  t.ok(Date.now() - cancelledAt < SLOW_MS, "well before the engine would have answered");
  t.equal(await simMetric(sim!.url, SUCCEEDED), 0, "no completion was answered");
});
