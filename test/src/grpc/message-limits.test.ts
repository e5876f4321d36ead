import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Metadata, type ServiceError, type StatusObject, status } from "@grpc/grpc-js";
import t from "tap";
import { generateApiKey } from "../../../src/auth/api-key.ts";
import { HealthCheckRequestSchema } from "../../../src/grpc/gen/grpc/health/v1/health_pb.ts";
import {
  ErrorSchema,
  ListModelsRequestSchema,
  PairwiseRequestSchema,
  PairwiseResponseSchema,
  PairwiseStreamRequestSchema,
  type PairwiseStreamResponse,
} from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { MAX_IMAGES } from "../../../src/judge/request-limits.ts";
import { startSims, type Teardown } from "../../helpers/gateway.ts";
import {
  bearer,
  callError,
  metricSamples,
  rawUnaryCall,
  startGrpcGateway,
  unaryCall,
} from "../../helpers/grpc.ts";
import { isChatCompletion, startRecordingProxy } from "../../helpers/recording-proxy.ts";

/**
 * A whole gateway against the messages of the review (issue 18, M2): a request wider than any
 * valid one is refused before protobuf-es decodes it, and, with keys required, a call without
 * one is refused before its message is read at all. A recording proxy in front of the replica
 * says what reached it. Follows @grpc/grpc-js 1.14.7 (build/src/server-interceptors.js: the
 * length-prefix check against grpc.max_receive_message_length) and @bufbuild/protobuf 2.13.0
 * (`fromBinary` builds one object per repeated entry and keeps unknown fields).
 */

const PAIRWISE = "/jurist.v1.JudgeService/Pairwise";

/** 10 MB of empty `images` entries (`12 00` × 5M): 2.8 s and +670 MB for protobuf-es. */
const FLOOD = Buffer.alloc(10_000_000);
for (let at = 0; at < FLOOD.length; at += 2) FLOOD[at] = 0x12;

const pairwise = (images = 0) =>
  create(PairwiseRequestSchema, {
    question: "How many apples are in the bowl?",
    responses: ["Three red apples.", "Five green apples."],
    images: Array.from({ length: images }, () => ({
      source: { case: "url" as const, value: "https://example.com/apples.png" },
    })),
  });
const VALID = toBinary(PairwiseRequestSchema, pairwise());

async function gateway(t: Teardown, env: Record<string, string> = {}) {
  const [sim] = await startSims(t, 1);
  const proxy = await startRecordingProxy(t, sim!.url);
  const g = await startGrpcGateway(t, { JURIST_BACKENDS: proxy.url, ...env });
  const completions = () => proxy.requests.filter(isChatCompletion).length;
  return { ...g, completions };
}

function errorBody(error: ServiceError) {
  return fromBinary(ErrorSchema, error.metadata.get("jurist-error-bin")[0] as Buffer);
}

t.test("a message wider than any valid request is refused before decoding", async (t) => {
  const g = await gateway(t);
  const flood = await callError(rawUnaryCall(g.grpc.address, PAIRWISE, FLOOD));
  t.equal(flood.code, status.INVALID_ARGUMENT, "10 MB of empty images: INVALID_ARGUMENT");
  t.same(flood.metadata.get("jurist-error-code"), ["INVALID_REQUEST"]);
  // The request checks would refuse it too, after protobuf-es built 5M images: the scan's
  // refusal says it was refused before decoding.
  t.match(errorBody(flood).details, [
    { path: "images", reason: `more than ${MAX_IMAGES} entries; refused before decoding` },
  ]);

  // A valid request followed by a flood of fields the schema does not know (field 99, varint
  // 0): it passes the request checks, and protobuf-es would keep all million of them.
  const unknown = Buffer.alloc(3_000_000);
  for (let at = 0; at < unknown.length; at += 3) unknown.set([0x98, 0x06, 0x00], at);
  const wide = await callError(
    rawUnaryCall(g.grpc.address, PAIRWISE, Buffer.concat([VALID, unknown])),
  );
  t.equal(wide.code, status.INVALID_ARGUMENT, "a million unknown fields: INVALID_ARGUMENT");
  t.match(errorBody(wide).details, [{ reason: /more than 16 fields unknown/ }]);

  t.equal(g.completions(), 0, "nothing reached the replica");
  t.equal(g.runtime.inflight.used(), 0, "nothing held in the in-flight budget");
  const counted = (await metricSamples(g.runtime, "jurist_grpc_requests_total")).find(
    (s) => s.labels.method === PAIRWISE && s.labels.code === "INVALID_ARGUMENT",
  );
  t.equal(counted?.value, 2, "both counted in the request metrics");

  const ok = fromBinary(
    PairwiseResponseSchema,
    await rawUnaryCall(g.grpc.address, PAIRWISE, VALID),
  );
  t.ok(ok.verdict, "a valid request is judged as before");
  t.equal(g.completions(), 2, "both orders of it");
});

t.test("a stream item over the limits is answered under '' and the stream goes on", async (t) => {
  const g = await gateway(t);
  const stream = g.judge.pairwiseStream(new Metadata());
  const answers: PairwiseStreamResponse[] = [];
  stream.on("data", (answer: PairwiseStreamResponse) => answers.push(answer));
  const ended = new Promise<StatusObject>((resolve) => stream.once("status", resolve));
  stream.write(
    create(PairwiseStreamRequestSchema, { id: "wide", request: pairwise(MAX_IMAGES + 1) }),
  );
  stream.write(create(PairwiseStreamRequestSchema, { id: "ok", request: pairwise() }));
  stream.end();
  t.equal((await ended).code, status.OK);
  const refused = answers.find((answer) => answer.id === "");
  t.equal(refused?.result.case, "error", "the wide item gets an error, under no id");
  if (refused?.result.case === "error") {
    t.equal(refused.result.value.code, "INVALID_REQUEST");
    t.match(refused.result.value.details, [{ path: "request.images" }]);
  }
  t.equal(answers.find((answer) => answer.id === "ok")?.result.case, "verdict", "the next judged");
  t.equal(answers.length, 2);
});

t.test("keys required: a call without a key is refused before its message is read", async (t) => {
  const g = await gateway(t, {
    JURIST_AUTH: "required",
    JURIST_GRPC_MAX_MESSAGE_BYTES: String(1024 * 1024),
  });
  const { plain, record } = generateApiKey("acme", "judge");
  await g.runtime.stores.keys.add(record);
  const big = FLOOD.subarray(0, 2 * 1024 * 1024);

  const unread = await callError(rawUnaryCall(g.grpc.address, PAIRWISE, big));
  t.equal(unread.code, status.UNAUTHENTICATED, "2 MB over a 1 MiB limit, no key: UNAUTHENTICATED");
  t.same(unread.metadata.get("jurist-error-code"), ["UNAUTHENTICATED"]);
  // With a key the same message is read, and grpc-js refuses it for its size: the refusal above
  // came before grpc-js read even the message's length prefix.
  const read = await callError(rawUnaryCall(g.grpc.address, PAIRWISE, big, bearer(plain)));
  t.equal(read.code, status.RESOURCE_EXHAUSTED, "with a key it is read, and is too large");

  const flood = await callError(rawUnaryCall(g.grpc.address, PAIRWISE, FLOOD.subarray(0, 1e6)));
  t.equal(flood.code, status.UNAUTHENTICATED, "a flood within the limit, no key: UNAUTHENTICATED");
  const keyed = await callError(
    rawUnaryCall(g.grpc.address, PAIRWISE, FLOOD.subarray(0, 1e6), bearer(plain)),
  );
  t.equal(keyed.code, status.INVALID_ARGUMENT, "with a key: read, and refused for its width");

  const verdict = await unaryCall(g.judge, g.judge.pairwise, pairwise(), {
    metadata: bearer(plain),
  });
  t.ok(verdict.verdict, "a valid key judges");

  const health = await unaryCall(g.health, g.health.check, create(HealthCheckRequestSchema, {}));
  t.ok(health, "health answers without a key");
  const models = await callError(
    unaryCall(g.judge, g.judge.listModels, create(ListModelsRequestSchema, {})),
  );
  t.equal(models.code, status.UNAUTHENTICATED, "ListModels needs a key");
  t.equal(g.completions(), 2, "only the keyed valid verdict reached the replica");
});

t.test("keys required, `models` public: ListModels answers without a key", async (t) => {
  const g = await gateway(t, { JURIST_AUTH: "required", JURIST_PUBLIC_ROUTES: "models" });
  const models = await unaryCall(g.judge, g.judge.listModels, create(ListModelsRequestSchema, {}));
  t.ok(models.models.length > 0, "the models, without a key");
  const judging = await callError(unaryCall(g.judge, g.judge.pairwise, pairwise()));
  t.equal(judging.code, status.UNAUTHENTICATED, "judging still needs one");
});
