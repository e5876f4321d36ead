import { create } from "@bufbuild/protobuf";
import { type StatusObject, status } from "@grpc/grpc-js";
import t from "tap";
import {
  PairwiseStreamRequestSchema,
  type PairwiseStreamResponse,
} from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { startSims } from "../../helpers/gateway.ts";
import { startGrpcGateway } from "../../helpers/grpc.ts";

const item = (id: string, seed: number) =>
  create(PairwiseStreamRequestSchema, {
    id,
    request: {
      question: "How many apples are in the bowl?",
      responses: ["Three red apples.", "Five green apples."],
      seed,
      cache: false,
    },
  });

t.test("an id already in flight is refused for that item; the stream goes on", async (t) => {
  // Each verdict takes the engine a while, so the first "a" is in flight when the second is
  // read (written together, they are read within a few ms of each other).
  const sims = await startSims(t, 1, { latencyMs: 300 });
  const g = await startGrpcGateway(t, { JURIST_BACKENDS: sims[0]!.url });
  const stream = g.judge.pairwiseStream();
  const answers: PairwiseStreamResponse[] = [];
  stream.on("data", (answer: PairwiseStreamResponse) => answers.push(answer));
  const ended = new Promise<StatusObject>((resolve) => stream.once("status", resolve));
  stream.write(item("a", 1));
  stream.write(item("a", 2));
  stream.write(item("b", 3));
  // Once "a" is answered its id is free again.
  while (!answers.some((a) => a.id === "a" && a.result.case === "verdict")) {
    await new Promise((resolve) => stream.once("data", resolve));
  }
  stream.write(item("a", 4));
  stream.end();
  t.equal((await ended).code, status.OK, "the stream ends OK");

  const summary = answers.map((a) =>
    a.result.case === "error" ? `${a.id}:${a.result.value.code}` : `${a.id}:verdict`,
  );
  t.same(
    summary.slice().sort(),
    ["a:INVALID_REQUEST", "a:verdict", "a:verdict", "b:verdict"],
    "the duplicate, and only it, refused; the reused id judged",
  );
  const refused = answers.find((a) => a.result.case === "error");
  t.match(
    refused?.result,
    { case: "error", value: { details: [{ path: "id", reason: /already in flight/ }] } },
    "the error names the id field",
  );
});
