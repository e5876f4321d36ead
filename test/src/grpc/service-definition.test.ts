import { create, equals } from "@bufbuild/protobuf";
import { credentials, Metadata, Server, ServerCredentials, status } from "@grpc/grpc-js";
import t from "tap";
import {
  Health,
  HealthCheckRequestSchema,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../../src/grpc/gen/grpc/health/v1/health_pb.ts";
import {
  JudgeService,
  PairwiseRequestSchema,
  PairwiseStreamRequestSchema,
  PairwiseStreamResponseSchema,
} from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import {
  clientConstructor,
  type MethodsOf,
  type ServiceImplementationOf,
  serviceDefinition,
} from "../../../src/grpc/service-definition.ts";
import { callError, unaryCall } from "../../helpers/grpc.ts";

t.test("one entry per RPC: local name, path, streaming flags", async (t) => {
  const judge = serviceDefinition(JudgeService);
  t.same(Object.keys(judge), ["pairwise", "pairwiseStream", "reward", "listModels"]);
  t.match(judge.pairwise, {
    path: "/jurist.v1.JudgeService/Pairwise",
    requestStream: false,
    responseStream: false,
    originalName: "Pairwise",
  });
  t.match(judge.pairwiseStream, {
    path: "/jurist.v1.JudgeService/PairwiseStream",
    requestStream: true,
    responseStream: true,
  });
  t.match(judge.listModels, { path: "/jurist.v1.JudgeService/ListModels" });
  const health = serviceDefinition(Health);
  t.match(health.check, { path: "/grpc.health.v1.Health/Check", responseStream: false });
  t.match(health.watch, {
    path: "/grpc.health.v1.Health/Watch",
    requestStream: false,
    responseStream: true,
  });
});

t.test("messages round-trip through toBinary / fromBinary", async (t) => {
  const { pairwise } = serviceDefinition(JudgeService);
  const request = create(PairwiseRequestSchema, {
    question: "What is on the table?",
    images: [
      { source: { case: "data", value: new Uint8Array([1, 2, 3]) } },
      { source: { case: "url", value: "https://example.com/a.png" } },
    ],
    responses: ["A cup.", "A plate."],
    seed: 7,
    swap: false,
  });
  const bytes = pairwise.requestSerialize(request);
  t.ok(Buffer.isBuffer(bytes), "serialises to a Buffer, as grpc-js wants");
  const back = pairwise.requestDeserialize(bytes);
  t.ok(equals(PairwiseRequestSchema, back, request), "the same message comes back");
  t.equal(back.seed, 7);
  t.equal(back.swap, false, "explicit presence survives: false is not unset");
  t.equal(back.rubric, undefined);
  t.throws(() => pairwise.requestDeserialize(Buffer.from([0xff, 0xff, 0xff])), "garbage throws");
});

t.test("a real server and client from the same definitions", async (t) => {
  const implementation: ServiceImplementationOf<MethodsOf<typeof Health>> = {
    check(call, callback) {
      if (call.request.service === "missing") {
        callback({ code: status.NOT_FOUND, details: "no such service" });
        return;
      }
      callback(null, create(HealthCheckResponseSchema, { status: ServingStatus.SERVING }));
    },
    list(_call, callback) {
      callback({ code: status.UNIMPLEMENTED, details: "not here" });
    },
    watch(call) {
      for (const value of [ServingStatus.SERVING, ServingStatus.NOT_SERVING]) {
        call.write(create(HealthCheckResponseSchema, { status: value }));
      }
      call.end();
    },
  };
  const echo: ServiceImplementationOf<MethodsOf<typeof JudgeService>> = {
    pairwise: (_call, callback) => callback({ code: status.UNIMPLEMENTED }),
    reward: (_call, callback) => callback({ code: status.UNIMPLEMENTED }),
    listModels: (_call, callback) => callback({ code: status.UNIMPLEMENTED }),
    pairwiseStream(call) {
      call.on("data", (item) => {
        call.write(create(PairwiseStreamResponseSchema, { id: `echo:${item.id}` }));
      });
      call.on("end", () => call.end());
    },
  };
  const server = new Server();
  server.addService(serviceDefinition(Health), implementation);
  server.addService(serviceDefinition(JudgeService), echo);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  t.teardown(() => server.forceShutdown());
  const health = new (clientConstructor(Health))(`127.0.0.1:${port}`, credentials.createInsecure());
  const judge = new (clientConstructor(JudgeService))(
    `127.0.0.1:${port}`,
    credentials.createInsecure(),
  );
  t.teardown(() => {
    health.close();
    judge.close();
  });

  const answer = await unaryCall(health, health.check, create(HealthCheckRequestSchema, {}));
  t.equal(answer.$typeName, "grpc.health.v1.HealthCheckResponse", "a protobuf-es message");
  t.equal(answer.status, ServingStatus.SERVING, "unary");
  const missing = await callError(
    unaryCall(health, health.check, create(HealthCheckRequestSchema, { service: "missing" })),
  );
  t.equal(missing.code, status.NOT_FOUND, "a status from the handler reaches the client");

  const watched: ServingStatus[] = [];
  const watch = health.watch(create(HealthCheckRequestSchema, {}), new Metadata());
  watch.on("data", (message) => watched.push(message.status));
  await new Promise((resolve) => watch.on("status", resolve));
  t.same(watched, [ServingStatus.SERVING, ServingStatus.NOT_SERVING], "server streaming");

  const stream = judge.pairwiseStream();
  const echoed: string[] = [];
  stream.on("data", (message) => echoed.push(message.id));
  for (const id of ["a", "b", "c"]) stream.write(create(PairwiseStreamRequestSchema, { id }));
  stream.end();
  const end = await new Promise<{ code: number }>((resolve) => stream.on("status", resolve));
  t.equal(end.code, status.OK);
  t.same(echoed, ["echo:a", "echo:b", "echo:c"], "bidirectional streaming");
});
