import type { MessageInitShape } from "@bufbuild/protobuf";
import { create, fromBinary, toJson } from "@bufbuild/protobuf";
import { status } from "@grpc/grpc-js";
import t from "tap";
import { request } from "undici";
import { generateApiKey } from "../../../src/auth/api-key.ts";
import {
  ErrorSchema,
  JudgeMode,
  ListModelsRequestSchema,
  PairwiseRequestSchema,
  type Verdict,
  VerdictSchema,
} from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { verdictToProto } from "../../../src/grpc/judge-proto.ts";
import type { VerdictWire } from "../../../src/http/wire/pairwise-schema.ts";
import type { Verdict as DomainVerdict } from "../../../src/judge/verdict.ts";
import { TINY_PNG, TINY_PNG_DATA_URI } from "../../helpers/fixtures.ts";
import { startSims } from "../../helpers/gateway.ts";
import {
  bearer,
  callError,
  type GrpcGateway,
  startGrpcGateway,
  unaryCall,
} from "../../helpers/grpc.ts";
import { absurdPng } from "../images/budget-images.ts";

const QUESTION = "How many apples are in the bowl?";
const RESPONSES = ["There are three red apples in the bowl.", "There are five green apples."];

async function httpVerdict(url: string, body: Record<string, unknown>): Promise<VerdictWire> {
  const response = await request(`${url}/v1/judge/pairwise`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
  if (response.statusCode !== 200) throw new Error(await response.body.text());
  return (await response.body.json()) as VerdictWire;
}

/** HTTP's JSON verdict back in domain terms, to map it to proto as gRPC does. */
function fromHttp(json: VerdictWire): DomainVerdict {
  const { probability_a: probabilityA, latency_ms: latencyMs, orders, ...rest } = json;
  return {
    ...rest,
    probabilityA,
    latencyMs,
    orders: orders.map(({ probability_a, ...order }) => ({
      ...order,
      probabilityA: probability_a,
    })),
  };
}

/** A verdict's JSON without what differs between two calls for the same input. */
function comparable(verdict: Verdict) {
  const {
    id: _id,
    latencyMs: _latency,
    ...rest
  } = toJson(VerdictSchema, verdict) as Record<string, unknown>;
  return rest;
}

t.test("unary verdicts equal HTTP verdicts for the same input and seed", async (t) => {
  const sims = await startSims(t, 2, { seed: 3 });
  const gateway = await startGrpcGateway(t, {
    JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
  });
  const cases: {
    name: string;
    http: Record<string, unknown>;
    grpc: MessageInitShape<typeof PairwiseRequestSchema>;
  }[] = [
    {
      name: "reasoned, both orders, image as bytes",
      http: { images: [{ url: TINY_PNG_DATA_URI }], seed: 42 },
      grpc: { images: [{ source: { case: "data", value: TINY_PNG } }], seed: 42 },
    },
    {
      name: "reasoned, image as a data URI",
      http: { images: [{ url: TINY_PNG_DATA_URI }], seed: 7 },
      grpc: { images: [{ source: { case: "url", value: TINY_PNG_DATA_URI } }], seed: 7 },
    },
    {
      name: "fast, one order, rubric",
      http: { mode: "fast", swap: false, rubric: "Count carefully.", seed: 11 },
      grpc: { mode: JudgeMode.FAST, swap: false, rubric: "Count carefully.", seed: 11 },
    },
  ];
  for (const { name, http, grpc } of cases) {
    const viaHttp = await httpVerdict(gateway.url, {
      question: QUESTION,
      responses: RESPONSES,
      cache: false,
      ...http,
    });
    const viaGrpc = await unaryCall(
      gateway.judge,
      gateway.judge.pairwise,
      create(PairwiseRequestSchema, {
        question: QUESTION,
        responses: RESPONSES,
        cache: false,
        ...grpc,
      }),
    );
    const verdict = viaGrpc.verdict!;
    t.equal(verdict.cached, false, `${name}: judged afresh`);
    t.same(
      comparable(verdict),
      comparable(verdictToProto(fromHttp(viaHttp))),
      `${name}: same verdict`,
    );
    // Spelled out without the mapping, so a mapping bug cannot hide on both sides.
    t.equal(verdict.probabilityA, viaHttp.probability_a, `${name}: same probability_a`);
    t.equal(comparable(verdict).winner, `WINNER_${viaHttp.winner?.toUpperCase()}`);
    t.equal(verdict.reasoning, viaHttp.reasoning);
    t.equal(verdict.orders.length, viaHttp.orders.length);
  }
});

t.test("invalid fields: INVALID_ARGUMENT with the stable code and details", async (t) => {
  const sims = await startSims(t, 1);
  const gateway = await startGrpcGateway(t, { JURIST_BACKENDS: sims[0]!.url });
  const invalid = create(PairwiseRequestSchema, {
    question: "",
    responses: ["only one"],
    seed: 2 ** 31,
  });
  const error = await callError(unaryCall(gateway.judge, gateway.judge.pairwise, invalid));
  t.equal(error.code, status.INVALID_ARGUMENT);
  t.same(error.metadata.get("jurist-error-code"), ["INVALID_REQUEST"]);
  const [bin] = error.metadata.get("jurist-error-bin");
  const body = fromBinary(ErrorSchema, bin as Buffer);
  t.equal(body.code, "INVALID_REQUEST");
  t.same(
    [...new Set(body.details.map((detail) => detail.path))].sort(),
    ["question", "responses", "seed"],
    "every problem, by field",
  );
  t.match(error.details, /question/, "the status message names the fields too");

  const notImage = create(PairwiseRequestSchema, {
    question: "Q?",
    responses: ["a", "b"],
    images: [{ source: { case: "data", value: Buffer.from("plain text") } }],
  });
  const media = await callError(unaryCall(gateway.judge, gateway.judge.pairwise, notImage));
  t.equal(media.code, status.INVALID_ARGUMENT);
  t.same(media.metadata.get("jurist-error-code"), ["UNSUPPORTED_MEDIA"]);

  // A header over the input ceiling: INVALID_ARGUMENT, not RESOURCE_EXHAUSTED, which gRPC
  // retry policies retry although the same image can never pass.
  const absurd = create(PairwiseRequestSchema, {
    question: "Q?",
    responses: ["a", "b"],
    images: [{ source: { case: "data", value: absurdPng(100_000, 100_000) } }],
  });
  const tooLarge = await callError(unaryCall(gateway.judge, gateway.judge.pairwise, absurd));
  t.equal(tooLarge.code, status.INVALID_ARGUMENT);
  t.same(tooLarge.metadata.get("jurist-error-code"), ["IMAGE_TOO_LARGE"]);

  const fileUrl = create(PairwiseRequestSchema, {
    question: "Q?",
    responses: ["a", "b"],
    images: [{ source: { case: "url", value: "file:///etc/passwd" } }],
  });
  const scheme = await callError(unaryCall(gateway.judge, gateway.judge.pairwise, fileUrl));
  t.equal(scheme.code, status.INVALID_ARGUMENT);
  t.same(scheme.metadata.get("jurist-error-code"), ["INVALID_REQUEST"]);
});

function pairwiseCaller(gateway: GrpcGateway) {
  return (question: string) =>
    unaryCall(
      gateway.judge,
      gateway.judge.pairwise,
      create(PairwiseRequestSchema, {
        question,
        responses: RESPONSES,
        cache: false,
        collect: false,
      }),
    );
}

t.test(
  "messages past JURIST_GRPC_MAX_MESSAGE_BYTES: RESOURCE_EXHAUSTED; under it: judged",
  async (t) => {
    // gRPC's own limit, whatever HTTP's is: a message under it is judged though past HTTP's.
    const sims = await startSims(t, 1);
    const gateway = await startGrpcGateway(t, {
      JURIST_BACKENDS: sims[0]!.url,
      JURIST_GRPC_MAX_MESSAGE_BYTES: "2000",
      JURIST_BODY_LIMIT_BYTES: "50",
    });
    const call = pairwiseCaller(gateway);
    const error = await callError(call(QUESTION.repeat(100)));
    t.equal(error.code, status.RESOURCE_EXHAUSTED, "past the limit");
    t.ok(await call(QUESTION), "under it: judged");
  },
);

t.test("unset, the gRPC limit is its own default, not HTTP's body limit", async (t) => {
  // It once fell back to JURIST_BODY_LIMIT_BYTES; its default now fits images as bytes.
  const sims = await startSims(t, 1);
  const gateway = await startGrpcGateway(t, {
    JURIST_BACKENDS: sims[0]!.url,
    JURIST_BODY_LIMIT_BYTES: "2000",
  });
  t.ok(await pairwiseCaller(gateway)(QUESTION.repeat(100)), "past HTTP's limit: judged");
});

t.test("auth: same keys and scopes as HTTP", async (t) => {
  const sims = await startSims(t, 1);
  const gateway = await startGrpcGateway(t, {
    JURIST_BACKENDS: sims[0]!.url,
    JURIST_AUTH: "required",
  });
  const { plain, record } = generateApiKey("acme", "judge");
  await gateway.runtime.stores.keys.add(record);
  const body = create(PairwiseRequestSchema, { question: QUESTION, responses: RESPONSES });

  const missing = await callError(unaryCall(gateway.judge, gateway.judge.pairwise, body));
  t.equal(missing.code, status.UNAUTHENTICATED, "no key: UNAUTHENTICATED");
  t.same(missing.metadata.get("jurist-error-code"), ["UNAUTHENTICATED"]);
  const wrong = await callError(
    unaryCall(gateway.judge, gateway.judge.pairwise, body, { metadata: bearer("jur_nope") }),
  );
  t.equal(wrong.code, status.UNAUTHENTICATED, "unknown key: UNAUTHENTICATED");

  const answer = await unaryCall(gateway.judge, gateway.judge.pairwise, body, {
    metadata: bearer(plain),
  });
  t.equal(answer.verdict?.checkpoint, "jurist-sim-judge", "a valid key judges");

  const http = await request(`${gateway.url}/v1/judge/pairwise`, {
    method: "POST",
    body: JSON.stringify({ question: QUESTION, responses: RESPONSES }),
    headers: { "content-type": "application/json" },
  });
  await http.body.dump();
  t.equal(http.statusCode, 401, "HTTP agrees: 401 without a key");

  const stream = gateway.judge.pairwiseStream();
  stream.on("data", () => t.fail("no answer without a key"));
  stream.on("error", () => {});
  const end = await new Promise<{ code: number; metadata: { get(key: string): unknown[] } }>(
    (resolve) => stream.on("status", resolve),
  );
  t.equal(end.code, status.UNAUTHENTICATED, "a stream without a key ends UNAUTHENTICATED");
  t.same(end.metadata.get("jurist-error-code"), ["UNAUTHENTICATED"]);
});

t.test("ListModels is /v1/models", async (t) => {
  const sims = await startSims(t, 2);
  const gateway = await startGrpcGateway(t, {
    JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
  });
  const models = await unaryCall(
    gateway.judge,
    gateway.judge.listModels,
    create(ListModelsRequestSchema, {}),
  );
  const http = await request(`${gateway.url}/v1/models`);
  const { data } = (await http.body.json()) as { data: { id: string; replicas: number }[] };
  t.same(
    models.models.map((model) => [model.id, model.replicas, model.simulated]),
    data.map((model) => [model.id, model.replicas, true]),
  );
});
