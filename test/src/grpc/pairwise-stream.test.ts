import { once } from "node:events";
import { create } from "@bufbuild/protobuf";
import { type ClientDuplexStream, type StatusObject, status } from "@grpc/grpc-js";
import t from "tap";
import {
  type PairwiseStreamRequest,
  PairwiseStreamRequestSchema,
  type PairwiseStreamResponse,
} from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import type { Runtime } from "../../../src/runtime/runtime.ts";
import { startSims } from "../../helpers/gateway.ts";
import { gaugeValue, metricSamples, startGrpcGateway, until } from "../../helpers/grpc.ts";

const BOUND = 8;

type Stream = ClientDuplexStream<PairwiseStreamRequest, PairwiseStreamResponse>;

function item(index: number): PairwiseStreamRequest {
  return create(PairwiseStreamRequestSchema, {
    id: `item-${index}`,
    request: {
      question: `How many apples are in bowl ${index}?`,
      // Every 100th item is invalid (one response): it gets an error answer, the stream goes on.
      responses: index % 100 === 99 ? ["Three."] : ["Three red apples.", "Five green apples."],
      cache: false,
      collect: false,
    },
  });
}

/** Per-stream concurrency as the server recorded it: starts, and starts above `le`. */
async function concurrency(runtime: Runtime) {
  const samples = await metricSamples(runtime, "jurist_grpc_stream_item_concurrency");
  const count = samples.find((s) => s.metricName?.endsWith("_count"))?.value ?? 0;
  const atMost = (le: number) =>
    samples.find((s) => s.metricName?.endsWith("_bucket") && s.labels.le === le)?.value ?? 0;
  return { started: count, above: (le: number) => count - atMost(le) };
}

/** The call's final status (`once` would reject on the "error" a failed call also emits). */
function ended(stream: Stream): Promise<StatusObject> {
  return new Promise((resolve) => stream.once("status", resolve));
}

t.test("500 items: every id answered exactly once, in-flight within the bound", async (t) => {
  const sims = await startSims(t, 2, { latencyMs: 5 });
  const { runtime, judge } = await startGrpcGateway(t, {
    JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
    JURIST_GRPC_STREAM_CONCURRENCY: String(BOUND),
  });
  const stream = judge.pairwiseStream();
  const answers = new Map<string, number>();
  const errors: string[] = [];
  stream.on("data", (answer: PairwiseStreamResponse) => {
    answers.set(answer.id, (answers.get(answer.id) ?? 0) + 1);
    if (answer.result.case === "error") errors.push(`${answer.id} ${answer.result.value.code}`);
  });
  const end = ended(stream);
  for (let index = 0; index < 500; index++) {
    if (!stream.write(item(index))) await once(stream, "drain");
  }
  stream.end();
  const final = await end;

  t.equal(final.code, status.OK, "the stream ends OK");
  t.equal(answers.size, 500, "every id answered");
  t.same(
    [...answers.values()].filter((count) => count !== 1),
    [],
    "each exactly once",
  );
  t.same(
    errors.sort(),
    [99, 199, 299, 399, 499].map((i) => `item-${i} INVALID_REQUEST`).sort(),
    "the invalid items, and only they, got errors",
  );
  const { started, above } = await concurrency(runtime);
  t.equal(started, 500, "the server started 500 items");
  t.equal(above(BOUND), 0, `never more than ${BOUND} in flight on the stream`);
  t.ok(above(BOUND / 2) > 0, `more than ${BOUND / 2} at times: the bound, not the client, limited`);
  t.equal(await gaugeValue(runtime, "jurist_grpc_stream_in_flight"), 0, "nothing left in flight");
});

t.test("10,000 items sent, answers not read: the server does not read them all", async (t) => {
  const sims = await startSims(t, 2, { latencyMs: 1 });
  const { runtime, judge } = await startGrpcGateway(t, {
    JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
    JURIST_GRPC_STREAM_CONCURRENCY: String(BOUND),
  });
  const stream = judge.pairwiseStream();
  stream.on("error", () => {});
  const end = ended(stream);
  let accepted = 0;
  for (let index = 0; index < 10_000; index++) {
    // The client buffers what the transport does not take: that is the client's memory.
    if (stream.write(item(index))) accepted++;
  }
  // A reader that never reads: grpc-js fills the stream's buffer once, then stops reading the
  // HTTP/2 stream, so the server's writes back up. (With no listener at all, grpc-js would
  // buffer every answer on the client side without limit.)
  stream.on("readable", () => {});
  let previous = -1;
  await until(async () => {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const { started } = await concurrency(runtime);
    const settled = started === previous && started > 0;
    previous = started;
    return settled;
  }, 20_000);
  const { started, above } = await concurrency(runtime);
  t.comment(`client writes accepted at once: ${accepted}; items the server started: ${started}`);
  t.ok(started > 0, "the server judged some");
  t.ok(started < 1_000, "but stopped reading far short of 10,000 (flow control pushed back)");
  t.equal(above(BOUND), 0, "in flight stayed within the bound");
  t.ok(
    (await gaugeValue(runtime, "jurist_grpc_stream_in_flight")) <= BOUND,
    "and stays within it while stalled",
  );

  stream.cancel();
  const final = await end;
  t.equal(final.code, status.CANCELLED);
  t.ok(
    await until(async () => (await gaugeValue(runtime, "jurist_grpc_stream_in_flight")) === 0),
    "cancelling frees the server's work",
  );
});
