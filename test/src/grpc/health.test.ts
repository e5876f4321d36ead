import { create } from "@bufbuild/protobuf";
import { type StatusObject, status } from "@grpc/grpc-js";
import t from "tap";
import { request } from "undici";
import {
  HealthCheckRequestSchema,
  HealthListRequestSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../../src/grpc/gen/grpc/health/v1/health_pb.ts";
import {
  PairwiseRequestSchema,
  PairwiseStreamRequestSchema,
  type PairwiseStreamResponse,
} from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { startSims } from "../../helpers/gateway.ts";
import {
  callError,
  type GrpcGateway,
  startGrpcGateway,
  unaryCall,
  until,
} from "../../helpers/grpc.ts";

async function check(gateway: GrpcGateway, service = ""): Promise<ServingStatus> {
  const answer = await unaryCall(
    gateway.health,
    gateway.health.check,
    create(HealthCheckRequestSchema, { service }),
    { deadlineMs: 2_000 },
  );
  return answer.status;
}

async function readyz(gateway: GrpcGateway): Promise<number> {
  const response = await request(`${gateway.url}/readyz`);
  await response.body.dump();
  return response.statusCode;
}

t.test("SERVING exactly when /readyz is ready", async (t) => {
  const [sim] = await startSims(t, 1);
  const gateway = await startGrpcGateway(t, {
    JURIST_BACKENDS: sim!.url,
    JURIST_HEALTH_INTERVAL_MS: "100",
  });
  t.equal(await readyz(gateway), 200);
  t.equal(await check(gateway), ServingStatus.SERVING, "the server as a whole");
  t.equal(await check(gateway, "jurist.v1.JudgeService"), ServingStatus.SERVING, "the judge");
  const list = await unaryCall(
    gateway.health,
    gateway.health.list,
    create(HealthListRequestSchema, {}),
  );
  t.same(Object.keys(list.statuses).sort(), ["", "jurist.v1.JudgeService"]);
  const unknown = await callError(check(gateway, "nope.v1.Nothing"));
  t.equal(unknown.code, status.NOT_FOUND, "an unknown service: NOT_FOUND");

  sim!.setOptions({ healthy: false });
  t.ok(await until(async () => (await readyz(gateway)) === 503), "/readyz: 503 with no replica");
  t.equal(await check(gateway), ServingStatus.NOT_SERVING, "health: NOT_SERVING");
  sim!.setOptions({ healthy: true });
  t.ok(await until(async () => (await readyz(gateway)) === 200), "/readyz: ready again");
  t.equal(await check(gateway), ServingStatus.SERVING, "health: SERVING again");
});

t.test("drain: Watch sees NOT_SERVING, in-flight calls finish, streams end", async (t) => {
  const [sim] = await startSims(t, 1, { latencyMs: 400 });
  const gateway = await startGrpcGateway(t, { JURIST_BACKENDS: sim!.url });
  const { judge, health } = gateway;

  const watched: ServingStatus[] = [];
  const watch = health.watch(create(HealthCheckRequestSchema, {}));
  watch.on("data", (answer: { status: ServingStatus }) => watched.push(answer.status));
  const watchEnded = new Promise<StatusObject>((resolve) => watch.once("status", resolve));
  t.ok(await until(() => watched.length === 1), "Watch sends the status at once");
  t.same(watched, [ServingStatus.SERVING]);

  const body = { question: "Q?", responses: ["Three apples.", "Five apples."], cache: false };
  const unary = unaryCall(judge, judge.pairwise, create(PairwiseRequestSchema, body));
  const stream = judge.pairwiseStream();
  const answers: PairwiseStreamResponse[] = [];
  stream.on("data", (answer: PairwiseStreamResponse) => answers.push(answer));
  stream.on("error", () => {});
  const streamEnded = new Promise<StatusObject>((resolve) => stream.once("status", resolve));
  for (const id of ["s1", "s2"]) {
    stream.write(create(PairwiseStreamRequestSchema, { id, request: body }));
  }
  const inFlight = () => gateway.runtime.fleet.snapshots()[0]?.inFlight ?? 0;
  t.ok(await until(() => inFlight() === 6), "3 verdicts (6 engine calls) in flight");

  const closed = gateway.grpc.close(10_000);
  const final = await watchEnded;
  t.same(watched, [ServingStatus.SERVING, ServingStatus.NOT_SERVING], "Watch: NOT_SERVING");
  t.equal(final.code, status.OK, "then the Watch call ends, so shutdown need not wait on it");

  const verdict = await unary;
  t.equal(
    verdict.verdict?.checkpoint,
    "jurist-sim-judge",
    "the unary call in flight got its verdict",
  );
  const streamStatus = await streamEnded;
  t.same(
    answers.map((answer) => [answer.id, answer.result.case]).sort(),
    [
      ["s1", "verdict"],
      ["s2", "verdict"],
    ],
    "the stream's items in flight were answered",
  );
  t.equal(streamStatus.code, status.UNAVAILABLE, "then the stream ends UNAVAILABLE");
  t.same(streamStatus.metadata.get("jurist-error-code"), ["OVERLOADED"]);
  await closed;
  const after = await callError(check(gateway));
  t.equal(after.code, status.UNAVAILABLE, "after the drain nothing listens");
});
