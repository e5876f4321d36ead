import { once } from "node:events";
import { connect, type IncomingHttpHeaders } from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { status } from "@grpc/grpc-js";
import t from "tap";
import {
  PairwiseRequestSchema,
  PairwiseStreamRequestSchema,
  PairwiseStreamResponseSchema,
} from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import type { Runtime } from "../../../src/runtime/runtime.ts";
import { startSims } from "../../helpers/gateway.ts";
import { metricSamples, startGrpcGateway } from "../../helpers/grpc.ts";

/**
 * Malformed gRPC input sent as raw bytes over HTTP/2 (node:http2), as no gRPC library would
 * send it. Followed: @grpc/grpc-js 1.14.7, build/src/server-interceptors.js
 * (`BaseServerInterceptingCall`: `handleTimeoutHeader`, `decompressAndMaybePush`) and
 * build/src/server.js (`handleUnary`).
 */

const PAIRWISE = "/jurist.v1.JudgeService/Pairwise";
const STREAM = "/jurist.v1.JudgeService/PairwiseStream";

/** A gRPC length-prefixed message frame (uncompressed). */
function frame(bytes: Uint8Array): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(bytes.byteLength, 1);
  return Buffer.concat([header, bytes]);
}

/** The message frames in a response body. */
function frames(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at + 5 <= body.length; ) {
    const length = body.readUInt32BE(at + 1);
    out.push(body.subarray(at + 5, at + 5 + length));
    at += 5 + length;
  }
  return out;
}

interface RawAnswer {
  grpcStatus: number;
  message: string;
  errorCode: string | undefined;
  body: Buffer;
}

/** Sends `body` on `path` with `headers` and reads the status from headers or trailers. */
async function rawCall(
  address: string,
  path: string,
  body: Buffer[],
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const session = connect(`http://${address}`);
  try {
    const stream = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
      ...headers,
    });
    let final: IncomingHttpHeaders = {};
    stream.on("response", (h) => {
      final = { ...final, ...h };
    });
    stream.on("trailers", (h) => {
      final = { ...final, ...h };
    });
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    for (const part of body) stream.write(part);
    stream.end();
    await once(stream, "close");
    return {
      grpcStatus: Number(final["grpc-status"]),
      message: decodeURIComponent(String(final["grpc-message"] ?? "")),
      errorCode: final["jurist-error-code"] as string | undefined,
      body: Buffer.concat(chunks),
    };
  } finally {
    session.close();
  }
}

const valid = () =>
  create(PairwiseRequestSchema, {
    question: "How many apples are in the bowl?",
    responses: ["Three red apples.", "Five green apples."],
  });

/** `question` (field 1, length-delimited) holding bytes that are not UTF-8. */
const INVALID_UTF8 = Buffer.from([0x0a, 0x02, 0xc3, 0x28]);

async function invalidArgumentCount(runtime: Runtime): Promise<number> {
  const samples = await metricSamples(runtime, "jurist_grpc_requests_total");
  return samples
    .filter((s) => s.labels.method === PAIRWISE && s.labels.code === "INVALID_ARGUMENT")
    .reduce((sum, s) => sum + s.value, 0);
}

t.test("malformed unary input: INVALID_ARGUMENT with INVALID_REQUEST, counted", async (t) => {
  const sims = await startSims(t, 1);
  const g = await startGrpcGateway(t, { JURIST_BACKENDS: sims[0]!.url });
  const address = g.grpc.address;
  const cases: [string, Buffer[], RegExp][] = [
    ["garbage protobuf", [frame(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]))], /not a valid/],
    ["a wire type that does not exist", [frame(Buffer.from("garbage here!"))], /not a valid/],
    ["invalid UTF-8 in a string field", [frame(INVALID_UTF8)], /utf-8/i],
    ["no message at all", [], /exactly one request message; no complete message arrived/],
    [
      "a truncated message",
      [frame(toBinary(PairwiseRequestSchema, valid())).subarray(0, 12)],
      /no complete message arrived/,
    ],
    [
      "two messages",
      [
        frame(toBinary(PairwiseRequestSchema, valid())),
        frame(toBinary(PairwiseRequestSchema, valid())),
      ],
      /more than one arrived/,
    ],
    // A valid, empty message: decoded, then refused by the request checks as HTTP refuses `{}`.
    ["an empty message", [frame(new Uint8Array())], /./],
  ];
  for (const [name, body, message] of cases) {
    const answer = await rawCall(address, PAIRWISE, body);
    t.equal(answer.grpcStatus, status.INVALID_ARGUMENT, `${name}: INVALID_ARGUMENT`);
    t.equal(answer.errorCode, "INVALID_REQUEST", `${name}: jurist-error-code`);
    t.match(answer.message, message, `${name}: says what was wrong (${answer.message})`);
  }
  t.equal(await invalidArgumentCount(g.runtime), cases.length, "each counted in the metrics");
  const ok = await rawCall(address, PAIRWISE, [frame(toBinary(PairwiseRequestSchema, valid()))]);
  t.equal(ok.grpcStatus, status.OK, "a well-formed call through the same raw client is OK");
});

t.test("a bad grpc-timeout: grpc-js answers INTERNAL before any Jurist code runs", async (t) => {
  // grpc-js parses grpc-timeout in BaseServerInterceptingCall's constructor and, when it does
  // not match /(\d{1,8})\s*([HMSmun])/, schedules INTERNAL `Invalid grpc-timeout value "…"`
  // on the next tick, from the base call itself: interceptors see neither the header (removed
  // from the metadata they get) nor that status. Every gRPC library sends a valid one; only a
  // hand-made client meets this. This test pins the behaviour so an upgrade that changes it
  // is noticed (docs/grpc.md, malformed input).
  const sims = await startSims(t, 1);
  const g = await startGrpcGateway(t, { JURIST_BACKENDS: sims[0]!.url });
  const answer = await rawCall(
    g.grpc.address,
    PAIRWISE,
    [frame(toBinary(PairwiseRequestSchema, valid()))],
    { "grpc-timeout": "soon" },
  );
  t.equal(answer.grpcStatus, status.INTERNAL);
  t.equal(answer.message, 'Invalid grpc-timeout value "soon"');
  t.equal(answer.errorCode, undefined, "no jurist-error-code: Jurist never saw the call");
});

t.test("a malformed stream item is answered under id ''; the stream goes on", async (t) => {
  const sims = await startSims(t, 1);
  const g = await startGrpcGateway(t, { JURIST_BACKENDS: sims[0]!.url });
  const item = create(PairwiseStreamRequestSchema, { id: "good", request: valid() });
  const answer = await rawCall(g.grpc.address, STREAM, [
    frame(INVALID_UTF8),
    frame(toBinary(PairwiseStreamRequestSchema, item)),
  ]);
  t.equal(answer.grpcStatus, status.OK, "the stream ends OK");
  const answers = frames(answer.body).map((bytes) =>
    fromBinary(PairwiseStreamResponseSchema, bytes),
  );
  const byId = new Map(answers.map((a) => [a.id, a.result]));
  t.equal(answers.length, 2, "two answers");
  t.match(byId.get(""), { case: "error", value: { code: "INVALID_REQUEST" } }, "the bad bytes");
  t.equal(byId.get("good")?.case, "verdict", "the good item is judged");
});
