import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { create } from "@bufbuild/protobuf";
import { Metadata, type StatusObject, status } from "@grpc/grpc-js";
import t from "tap";
import { request } from "undici";
import {
  ListModelsRequestSchema,
  PairwiseRequestSchema,
  PairwiseStreamRequestSchema,
  type PairwiseStreamResponse,
  RewardRequestSchema,
} from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { createLoadPressure } from "../../../src/runtime/load-pressure.ts";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { startSims } from "../../helpers/gateway.ts";
import { callError, metricSamples, startGrpcGateway, unaryCall } from "../../helpers/grpc.ts";

const pairwise = () =>
  create(PairwiseRequestSchema, {
    question: "How many apples are in the bowl?",
    responses: ["Three red apples.", "Five green apples."],
  });

async function shedCount(runtime: Parameters<typeof metricSamples>[0], reason: string) {
  const samples = await metricSamples(runtime, "jurist_shed_requests_total");
  return samples.find((s) => s.labels.reason === reason)?.value ?? 0;
}

t.test("under heap pressure gRPC sheds as HTTP does, into the same metric", async (t) => {
  const sims = await startSims(t, 1);
  // Any heap is over one byte: the process is under pressure from its first call.
  const g = await startGrpcGateway(t, {
    JURIST_BACKENDS: sims[0]!.url,
    JURIST_MAX_HEAP_BYTES: "1",
  });
  const unary = await callError(unaryCall(g.judge, g.judge.pairwise, pairwise()));
  t.equal(unary.code, status.UNAVAILABLE, "Pairwise: UNAVAILABLE");
  t.same(unary.metadata.get("jurist-error-code"), ["OVERLOADED"]);
  t.same(unary.metadata.get("retry-after"), ["1"], "retry-after trailer");
  t.match(unary.details, /overloaded \(heap\)/);

  const reward = await callError(
    unaryCall(
      g.judge,
      g.judge.reward,
      create(RewardRequestSchema, { question: "Q?", candidates: ["a", "b"] }),
    ),
  );
  t.same(reward.metadata.get("jurist-error-code"), ["OVERLOADED"], "Reward is shed too");

  const stream = g.judge.pairwiseStream(new Metadata());
  stream.on("data", () => t.fail("a shed stream answers nothing"));
  const ended = new Promise<StatusObject>((resolve) => stream.once("status", resolve));
  stream.on("error", () => {});
  const streamEnd = await ended;
  t.equal(streamEnd.code, status.UNAVAILABLE, "a stream is shed when it opens");
  t.same(streamEnd.metadata.get("jurist-error-code"), ["OVERLOADED"]);

  const http = await request(`${g.url}/v1/judge/pairwise`, {
    method: "POST",
    body: JSON.stringify(validPairwiseBody()),
    headers: { "content-type": "application/json" },
  });
  const body = (await http.body.json()) as { error: { code: string; message: string } };
  t.equal(http.statusCode, 503, "HTTP sheds on the same reading");
  t.equal(body.error.code, "OVERLOADED");
  t.equal(http.headers["retry-after"], "1");

  t.equal(await shedCount(g.runtime, "heap"), 4, "three gRPC calls and one HTTP request counted");
  const models = await unaryCall(g.judge, g.judge.listModels, create(ListModelsRequestSchema));
  t.ok(models.models.length > 0, "ListModels is not judging work: never shed");
});

t.test("a stream item read under pressure is shed on its own; the stream goes on", async (t) => {
  const sims = await startSims(t, 1);
  const g = await startGrpcGateway(t, { JURIST_BACKENDS: sims[0]!.url });
  const stream = g.judge.pairwiseStream(new Metadata());
  const answers: PairwiseStreamResponse[] = [];
  stream.on("data", (answer: PairwiseStreamResponse) => answers.push(answer));
  const ended = new Promise<StatusObject>((resolve) => stream.once("status", resolve));
  const item = (id: string) => create(PairwiseStreamRequestSchema, { id, request: pairwise() });
  stream.write(item("before"));
  while (answers.length < 1) await once(stream, "data");
  // The reading both transports consult, turned to "under pressure" for the next item.
  const reason = g.runtime.pressure.reason;
  g.runtime.pressure.reason = () => "event_loop";
  stream.write(item("during"));
  while (answers.length < 2) await once(stream, "data");
  g.runtime.pressure.reason = reason;
  stream.write(item("after"));
  stream.end();
  t.equal((await ended).code, status.OK, "the stream ends OK");
  const results = answers.map((a) => [
    a.id,
    a.result.case === "error" ? a.result.value.code : a.result.case,
  ]);
  t.same(results, [
    ["before", "verdict"],
    ["during", "OVERLOADED"],
    ["after", "verdict"],
  ]);
  t.equal(await shedCount(g.runtime, "event_loop"), 1, "counted as shed");
});

t.test("the pressure reading: a stalled event loop, a heap over its bound", async (t) => {
  const pressure = createLoadPressure({
    maxEventLoopDelayMs: 50,
    maxHeapBytes: Number.MAX_SAFE_INTEGER,
    // Sampled by hand below, not by the timer.
    sampleIntervalMs: 3_600_000,
  });
  t.teardown(pressure.close);
  t.equal(pressure.reason(), null, "not under pressure at start");
  pressure.sample();
  // The histogram measures from its previous tick, and a reset forgets it: let it tick once.
  await sleep(25);
  const stalled = Date.now() + 500;
  while (Date.now() < stalled) {
    // Busy: the event loop cannot turn.
  }
  // Let the delay histogram (a 10 ms timer) record the stall, and little else: the reading is
  // the mean over the interval, so a load that only adds delay only raises it.
  await sleep(15);
  pressure.sample();
  t.equal(pressure.reason(), "event_loop", "a 500 ms stall is past a 50 ms bound");
  const heavy = createLoadPressure({ maxEventLoopDelayMs: 0, maxHeapBytes: 1 });
  t.teardown(heavy.close);
  t.equal(heavy.reason(), "heap", "the heap is read at creation");
});
