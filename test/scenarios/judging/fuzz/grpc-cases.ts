import { connect } from "node:http2";
import { create } from "@bufbuild/protobuf";
import { Metadata, type ServiceError, status } from "@grpc/grpc-js";
import fc from "fast-check";
import {
  type Health,
  HealthCheckRequestSchema,
} from "../../../../src/grpc/gen/grpc/health/v1/health_pb.ts";
import {
  type JudgeService,
  ListModelsRequestSchema,
  PairwiseRequestSchema,
  PairwiseStreamRequestSchema,
  RewardRequestSchema,
} from "../../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import type { ClientOf } from "../../../../src/grpc/service-definition.ts";
import { TINY_PNG } from "../../../helpers/fixtures.ts";
import { unaryCall } from "../../../helpers/grpc.ts";
import { imageUrl, oddString } from "./values.ts";

/** The gRPC server under test: its address, and clients of its services. */
export interface GrpcTarget {
  address: string;
  judge: ClientOf<typeof JudgeService.method>;
  health: ClientOf<typeof Health.method>;
}

/** One gRPC call of the fuzz: its family, and how to make it. */
export interface GrpcCase {
  family: string;
  /** A short description for the report (what was sent). */
  label: string;
  /** Makes the call; resolves with the status code it ended with. */
  run(target: GrpcTarget): Promise<number>;
}

const text = oddString;
const image = fc.oneof(
  {
    weight: 4,
    arbitrary: imageUrl.map((url) => ({ source: { case: "url" as const, value: url } })),
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(fc.constant(new Uint8Array(TINY_PNG)), fc.uint8Array({ maxLength: 256 }))
      .map((data) => ({ source: { case: "data" as const, value: data } })),
  },
  { weight: 1, arbitrary: fc.constant({}) },
);
// Enum values outside the declared ones travel as plain numbers on the wire.
const enumValue = fc.oneof(fc.integer({ min: 0, max: 2 }), fc.integer({ min: -5, max: 1_000 }));

const pairwiseInit = fc.record(
  {
    question: text,
    images: fc.array(image, { maxLength: 3 }),
    responses: fc.oneof(
      fc.constant(["Three red apples.", "Five green apples."]),
      fc.array(text, { maxLength: 4 }),
    ),
    rubric: text,
    mode: enumValue,
    swap: fc.boolean(),
    checkpoint: fc.oneof(fc.constant("jurist-sim-judge"), text),
    collect: fc.constant(false),
    cache: fc.constant(false),
    seed: fc.nat(),
  },
  { requiredKeys: ["question", "responses", "collect", "cache"] },
);

const rewardInit = fc.record(
  {
    question: text,
    images: fc.array(image, { maxLength: 2 }),
    candidates: fc.oneof(
      fc.constant(["Three.", "Five.", "None."]),
      fc.array(text, { maxLength: 5 }),
    ),
    reference: text,
    method: enumValue,
    mode: enumValue,
    checkpoint: text,
  },
  { requiredKeys: ["question", "candidates"] },
);

/** Metadata a careless or hostile client sends: priorities, keys, noise. */
const someMetadata = fc
  .record(
    {
      "jurist-priority": fc.constantFrom("interactive", "batch", "idle", "", "BATCH"),
      authorization: fc.constantFrom("Bearer ", "Bearer x", "Basic dXNlcjpwYXNz"),
      "x-fuzz": fc
        .string({ unit: "grapheme-ascii", maxLength: 100 })
        .map((s) => s.replace(/[^\x21-\x7e]/g, "")),
    },
    { requiredKeys: [] },
  )
  .map((entries) => {
    const md = new Metadata();
    for (const [key, value] of Object.entries(entries)) if (value) md.set(key, value);
    return md;
  });
const metadata = fc.oneof(
  { weight: 3, arbitrary: fc.constant(null).map(() => new Metadata()) },
  { weight: 1, arbitrary: someMetadata },
);

/** A deadline from now, or none. */
const deadlineMs = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom(1, 20, 200, 2_000) },
);

const codeOf = (error: unknown) => (error as ServiceError).code ?? status.UNKNOWN;
const settle = (call: Promise<unknown>) => call.then(() => status.OK, codeOf);
const brief = (value: unknown) =>
  JSON.stringify(value, (_k, v) =>
    typeof v === "string" && v.length > 80
      ? `${v.slice(0, 80)}…(${v.length})`
      : v instanceof Uint8Array
        ? `<${v.length} bytes>`
        : v,
  );

const unaryCase: fc.Arbitrary<GrpcCase> = fc.oneof(
  fc.tuple(pairwiseInit, metadata, deadlineMs).map(([init, md, ms]) => ({
    family: "grpc-pairwise",
    label: brief(init),
    run: ({ judge }: GrpcTarget) =>
      settle(
        unaryCall(judge, judge.pairwise, create(PairwiseRequestSchema, init as never), {
          metadata: md,
          deadlineMs: ms,
        }),
      ),
  })),
  fc.tuple(rewardInit, metadata, deadlineMs).map(([init, md, ms]) => ({
    family: "grpc-reward",
    label: brief(init),
    run: ({ judge }: GrpcTarget) =>
      settle(
        unaryCall(judge, judge.reward, create(RewardRequestSchema, init as never), {
          metadata: md,
          deadlineMs: ms,
        }),
      ),
  })),
  metadata.map((md) => ({
    family: "grpc-list-models",
    label: "ListModels",
    run: ({ judge }: GrpcTarget) =>
      settle(
        unaryCall(judge, judge.listModels, create(ListModelsRequestSchema, {}), { metadata: md }),
      ),
  })),
  fc.constantFrom("", "jurist.v1.JudgeService", "nope", "\u00e9").map((service) => ({
    family: "grpc-health",
    label: `Check(${service})`,
    run: ({ health }: GrpcTarget) =>
      settle(unaryCall(health, health.check, create(HealthCheckRequestSchema, { service }))),
  })),
);

/** A PairwiseStream: a few items (ids repeated or empty, requests missing), sometimes cancelled. */
const streamCase: fc.Arbitrary<GrpcCase> = fc
  .record({
    items: fc.array(
      fc.record({
        id: fc.oneof(fc.constantFrom("a", "a", "b", ""), text),
        request: fc.option(pairwiseInit, { nil: undefined }),
      }),
      { maxLength: 4 },
    ),
    cancelAfter: fc.option(fc.nat({ max: 3 }), { nil: undefined }),
    md: metadata,
  })
  .map(({ items, cancelAfter, md }) => ({
    family: "grpc-stream",
    label: brief({ items, cancelAfter }),
    run: ({ judge }: GrpcTarget) =>
      new Promise<number>((resolve) => {
        const stream = judge.pairwiseStream(md);
        stream.on("data", () => {});
        stream.on("error", (error) => resolve(codeOf(error)));
        stream.on("status", (s: { code: number }) => resolve(s.code));
        for (const [index, item] of items.entries()) {
          if (cancelAfter === index) {
            stream.cancel();
            return;
          }
          stream.write(create(PairwiseStreamRequestSchema, item as never));
        }
        stream.end();
      }),
  }));

/** Frames no grpc-js client would send: garbage protobuf, invalid UTF-8, broken framing. */
function frame(payload: Uint8Array, compressed = false, declared = payload.length): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(compressed ? 1 : 0, 0);
  head.writeUInt32BE(declared, 1);
  return Buffer.concat([head, payload]);
}

const METHODS = [
  "/jurist.v1.JudgeService/Pairwise",
  "/jurist.v1.JudgeService/Reward",
  "/jurist.v1.JudgeService/ListModels",
  "/jurist.v1.JudgeService/PairwiseStream",
];

const rawBody = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((bytes) => frame(bytes)),
  // Field 1 (question) as a string of invalid UTF-8.
  fc.constant(frame(Uint8Array.from([0x0a, 0x04, 0xff, 0xfe, 0xc0, 0xaf]))),
  // A length-delimited field running past the end of the message.
  fc.constant(frame(Uint8Array.from([0x0a, 0x7f, 0x41]))),
  // A varint that never ends.
  fc.constant(frame(Uint8Array.from(Array(12).fill(0xff)))),
  fc.constant(frame(Uint8Array.from([0x0a, 0x01, 0x41]), true)),
  fc.constant(frame(Uint8Array.from([0x0a, 0x01]), false, 100)),
  fc.constant(Buffer.from([0x00, 0x00])),
  fc.constant(Buffer.alloc(0)),
);

const rawCase: fc.Arbitrary<GrpcCase> = fc
  .record({
    path: fc.constantFrom(...METHODS),
    body: rawBody,
    timeout: fc.constantFrom(undefined, "abc", "-1S", "99999999999H", "1m", "5S"),
  })
  .map(({ path, body, timeout }) => ({
    // grpc-js's own pattern for a timeout (server-interceptors.js DEADLINE_REGEX, 1.14.7).
    family:
      timeout && !/(\d{1,8})\s*([HMSmun])/.test(timeout) ? "grpc-bad-timeout" : "grpc-raw-frames",
    label: `${path} ${body.toString("hex").slice(0, 60)} grpc-timeout=${timeout}`,
    run: ({ address }: GrpcTarget) => rawGrpcCall(address, path, body, timeout),
  }));

/** Sends one request over plain HTTP/2; resolves with the grpc-status it ended with. */
function rawGrpcCall(
  address: string,
  path: string,
  body: Buffer,
  timeout: string | undefined,
): Promise<number> {
  return new Promise((resolve) => {
    const session = connect(`http://${address}`);
    session.on("error", () => {
      session.destroy();
      resolve(status.UNAVAILABLE);
    });
    const headers: Record<string, string> = {
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
    };
    if (timeout) headers["grpc-timeout"] = timeout;
    const request = session.request(headers);
    let code: number | undefined;
    const read = (h: Record<string, unknown>) => {
      if (h["grpc-status"] !== undefined) code = Number(h["grpc-status"]);
    };
    request.on("response", read);
    request.on("trailers", read);
    request.on("data", () => {});
    request.on("error", () => {});
    // A server that never ends the call is a finding, not a hung suite.
    request.setTimeout(15_000, () => request.close());
    request.on("close", () => {
      // Destroyed, not closed: a server that half-closes must not leave the socket open.
      session.destroy();
      resolve(code ?? status.UNKNOWN);
    });
    request.end(body);
  });
}

/** Every gRPC method, typed calls with odd values and raw frames. */
export const grpcCase: fc.Arbitrary<GrpcCase> = fc.oneof(
  { weight: 6, arbitrary: unaryCase },
  { weight: 2, arbitrary: streamCase },
  { weight: 2, arbitrary: rawCase },
);
