import { create, toBinary } from "@bufbuild/protobuf";
import {
  Client,
  credentials,
  Metadata,
  type MethodDefinition,
  Server,
  ServerCredentials,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import t from "tap";
import { generateApiKey } from "../../../src/auth/api-key.ts";
import { createAuthPolicy, type PublicRoute } from "../../../src/auth/auth-policy.ts";
import {
  Health,
  HealthCheckResponse_ServingStatus,
  HealthCheckResponseSchema,
  HealthListResponseSchema,
} from "../../../src/grpc/gen/grpc/health/v1/health_pb.ts";
import {
  JudgeService,
  ListModelsResponseSchema,
  PairwiseRequestSchema,
  PairwiseResponseSchema,
  RewardResponseSchema,
} from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { keyBeforeMessageInterceptor } from "../../../src/grpc/key-before-message.ts";
import { servedDefinition } from "../../../src/grpc/service-definition.ts";
import { createMetrics } from "../../../src/metrics/metrics.ts";
import { createMemoryKeyStore } from "../../../src/store/memory-key-store.ts";
import type { Teardown } from "../../helpers/gateway.ts";
import { bearer, rawUnaryCall } from "../../helpers/grpc.ts";

/**
 * A call that needs a key and carries no valid one is refused before grpc-js reads its message
 * (src/grpc/key-before-message.ts). A real grpc-js server with the interceptor, serving the
 * definitions the gateway serves with every request deserializer counted, and handlers that
 * answer at once: what matters here is what ran before them. Follows @grpc/grpc-js 1.14.7,
 * build/src/server-interceptors.js: a listener's `onReceiveMetadata` may hold the metadata, and
 * `BaseServerInterceptingCall` reads (and decodes) a message only once the handler asks for one.
 */

interface Counted {
  /** Request messages decoded, by method path. */
  decoded: Map<string, number>;
  /** Handler calls, by method path. */
  handled: Map<string, number>;
}

const bump = (map: Map<string, number>, path: string) => map.set(path, (map.get(path) ?? 0) + 1);

function countedDefinition<T extends Parameters<typeof servedDefinition>[0]>(
  service: T,
  counted: Counted,
) {
  const definition = servedDefinition(service) as unknown as Record<
    string,
    MethodDefinition<unknown, unknown>
  >;
  for (const method of Object.values(definition)) {
    const decode = method.requestDeserialize;
    method.requestDeserialize = (bytes: Buffer) => {
      bump(counted.decoded, method.path);
      return decode(bytes);
    };
  }
  return definition;
}

interface Fixture {
  address: string;
  key: string;
  counted: Counted;
  metrics: ReturnType<typeof createMetrics>;
}

async function serve(
  t: Teardown,
  required: boolean,
  publicRoutes: PublicRoute[] = [],
): Promise<Fixture> {
  const keys = createMemoryKeyStore();
  const { plain, record } = generateApiKey("acme", "judge");
  await keys.add(record);
  const policy = createAuthPolicy({
    keys,
    required,
    cacheTtlMs: 0,
    publicRoutes,
    adminOrigins: [],
    loopbackOnly: true,
  });
  const metrics = createMetrics();
  const counted: Counted = { decoded: new Map(), handled: new Map() };
  const server = new Server({
    // Room for the 10 MB message (grpc-js's default is 4 MiB), as the gateway's default has.
    "grpc.max_receive_message_length": 64 * 1024 * 1024,
    interceptors: [keyBeforeMessageInterceptor(policy, metrics.grpc)],
  });
  const unary =
    <R>(path: string, answer: R) =>
    (_call: unknown, callback: (error: null, value: R) => void) => {
      bump(counted.handled, path);
      callback(null, answer);
    };
  const judge = `/${JudgeService.typeName}/`;
  server.addService(countedDefinition(JudgeService, counted), {
    pairwise: unary(`${judge}Pairwise`, create(PairwiseResponseSchema, {})),
    reward: unary(`${judge}Reward`, create(RewardResponseSchema, {})),
    listModels: unary(`${judge}ListModels`, create(ListModelsResponseSchema, {})),
    pairwiseStream: (call: { end(): void; on(event: string, f: () => void): void }) => {
      bump(counted.handled, `${judge}PairwiseStream`);
      call.on("data", () => {});
      call.on("end", () => call.end());
    },
  });
  const health = `/${Health.typeName}/`;
  const serving = create(HealthCheckResponseSchema, {
    status: HealthCheckResponse_ServingStatus.SERVING,
  });
  server.addService(countedDefinition(Health, counted), {
    check: unary(`${health}Check`, serving),
    list: unary(`${health}List`, create(HealthListResponseSchema, {})),
    watch: () => {},
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  t.teardown(() => server.forceShutdown());
  return { address: `127.0.0.1:${port}`, key: plain, counted, metrics };
}

/** The status `rawUnaryCall` ended with, and its `jurist-error-code`. */
async function rawCall(address: string, path: string, bytes: Uint8Array, metadata?: Metadata) {
  try {
    await rawUnaryCall(address, path, bytes, metadata);
    return { code: status.OK, codeTrailer: undefined };
  } catch (thrown) {
    const error = thrown as ServiceError;
    return { code: error.code, codeTrailer: error.metadata.get("jurist-error-code")[0] };
  }
}

const PAIRWISE = `/${JudgeService.typeName}/Pairwise`;
const STREAM = `/${JudgeService.typeName}/PairwiseStream`;
const LIST_MODELS = `/${JudgeService.typeName}/ListModels`;
const HEALTH_CHECK = `/${Health.typeName}/Check`;

/** 10 MB of empty `images` entries: what cost protobuf-es 2.8 s to decode. */
const FLOOD = Buffer.alloc(10_000_000);
for (let at = 0; at < FLOOD.length; at += 2) FLOOD[at] = 0x12;

const valid = toBinary(
  PairwiseRequestSchema,
  create(PairwiseRequestSchema, { question: "Q?", responses: ["a", "b"] }),
);

t.test("keys required: a call without a valid key is refused unread", async (t) => {
  const f = await serve(t, true);
  const none = await rawCall(f.address, PAIRWISE, FLOOD);
  t.equal(none.code, status.UNAUTHENTICATED, "10 MB without a key: UNAUTHENTICATED");
  t.equal(none.codeTrailer, "UNAUTHENTICATED", "in the catalogue's shape");
  const wrong = await rawCall(f.address, PAIRWISE, FLOOD, bearer("jur_nope"));
  t.equal(wrong.code, status.UNAUTHENTICATED, "an unknown key: UNAUTHENTICATED");
  t.equal(f.counted.decoded.get(PAIRWISE), undefined, "the deserializer never ran");
  t.equal(f.counted.handled.get(PAIRWISE), undefined, "nor the handler");

  const ok = await rawCall(f.address, PAIRWISE, valid, bearer(f.key));
  t.equal(ok.code, status.OK, "a valid key: the call goes on");
  t.equal(f.counted.decoded.get(PAIRWISE), 1, "its message decoded once");
  t.equal(f.counted.handled.get(PAIRWISE), 1);

  const samples = (await f.metrics.registry.getSingleMetric("jurist_grpc_requests_total")!.get())
    .values;
  const refused = samples.find(
    (s) => s.labels.method === PAIRWISE && s.labels.code === "UNAUTHENTICATED",
  );
  t.equal(refused?.value, 2, "each refusal counted in the request metrics");
});

t.test("keys required: a stream without a key ends before an item is read", async (t) => {
  const f = await serve(t, true);
  const client = new Client(f.address, credentials.createInsecure());
  t.teardown(() => client.close());
  const identity = (value: Buffer) => value;
  const stream = client.makeBidiStreamRequest(STREAM, identity, identity, new Metadata());
  stream.on("data", () => t.fail("no answer without a key"));
  stream.on("error", () => {});
  const ended = new Promise<{ code: status }>((resolve) => stream.on("status", resolve));
  stream.write(FLOOD);
  stream.end();
  t.equal((await ended).code, status.UNAUTHENTICATED);
  t.equal(f.counted.handled.get(STREAM), undefined, "the handler never ran");
  t.equal(f.counted.decoded.get(STREAM), undefined, "no item decoded");
});

t.test("health is open; ListModels follows JURIST_PUBLIC_ROUTES", async (t) => {
  const closed = await serve(t, true);
  const health = await rawCall(closed.address, HEALTH_CHECK, new Uint8Array());
  t.equal(health.code, status.OK, "health answers without a key");
  const models = await rawCall(closed.address, LIST_MODELS, new Uint8Array());
  t.equal(models.code, status.UNAUTHENTICATED, "ListModels needs a key by default");
  t.equal(closed.counted.decoded.get(LIST_MODELS), undefined);
  const keyed = await rawCall(closed.address, LIST_MODELS, new Uint8Array(), bearer(closed.key));
  t.equal(keyed.code, status.OK, "and answers with one");

  const open = await serve(t, true, ["models"]);
  const publicModels = await rawCall(open.address, LIST_MODELS, new Uint8Array());
  t.equal(publicModels.code, status.OK, "`models` public: ListModels answers without a key");
  const judging = await rawCall(open.address, PAIRWISE, valid);
  t.equal(judging.code, status.UNAUTHENTICATED, "judging still needs one");
});

t.test("keys not required: calls without a key go on", async (t) => {
  const f = await serve(t, false);
  const call = await rawCall(f.address, PAIRWISE, valid);
  t.equal(call.code, status.OK);
  t.equal(f.counted.decoded.get(PAIRWISE), 1);
});
