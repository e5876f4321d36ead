import { create } from "@bufbuild/protobuf";
import { Metadata, type StatusObject, status } from "@grpc/grpc-js";
import t from "tap";
import {
  PairwiseRequestSchema,
  PairwiseStreamRequestSchema,
} from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { startSims } from "../../helpers/gateway.ts";
import { callError, startGrpcGateway, unaryCall, until } from "../../helpers/grpc.ts";

/** `jurist-priority` metadata picks the admission class of Pairwise and PairwiseStream calls. */

const request = (seed: number) =>
  create(PairwiseRequestSchema, {
    question: "How many apples are in the bowl?",
    responses: ["Three red apples.", "Five green apples."],
    cache: false,
    collect: false,
    seed,
  });

function priority(value: string): Metadata {
  const metadata = new Metadata();
  metadata.set("jurist-priority", value);
  return metadata;
}

t.test("jurist-priority: batch admits unary and stream calls as batch", async (t) => {
  const [sim] = await startSims(t, 1);
  const { runtime, judge } = await startGrpcGateway(t, { JURIST_BACKENDS: sim!.url });
  const batch = () => runtime.fleet.classCounts("batch").inFlight;
  sim!.setOptions({ stall: true });
  const unary = unaryCall(judge, judge.pairwise, request(1), { metadata: priority("batch") });
  t.ok(await until(() => batch() === 2), "the unary call's two orders are batch");
  const stream = judge.pairwiseStream(priority("batch"));
  const ended = new Promise<StatusObject>((resolve) => stream.once("status", resolve));
  stream.on("data", () => {});
  stream.write(create(PairwiseStreamRequestSchema, { id: "one", request: request(2) }));
  stream.end();
  t.ok(await until(() => batch() === 4), "and so are the stream item's");
  t.equal(runtime.fleet.classCounts("interactive").inFlight, 0);
  sim!.setOptions({ stall: false });
  await unary;
  t.equal((await ended).code, status.OK);
});

t.test("an unknown jurist-priority is INVALID_ARGUMENT", async (t) => {
  const [sim] = await startSims(t, 1);
  const { judge } = await startGrpcGateway(t, { JURIST_BACKENDS: sim!.url });
  const error = await callError(
    unaryCall(judge, judge.pairwise, request(1), { metadata: priority("urgent") }),
  );
  t.equal(error.code, status.INVALID_ARGUMENT);
  t.same(error.metadata.get("jurist-error-code"), ["INVALID_REQUEST"]);
  const stream = judge.pairwiseStream(priority("urgent"));
  stream.on("data", () => {});
  stream.on("error", () => {});
  const final = await new Promise<StatusObject>((resolve) => stream.once("status", resolve));
  t.equal(final.code, status.INVALID_ARGUMENT, "a stream is refused before reading items");
});
