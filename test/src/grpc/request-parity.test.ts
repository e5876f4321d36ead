import { create, type MessageInitShape } from "@bufbuild/protobuf";
import fc from "fast-check";
import t from "tap";
import type { z } from "zod";
import { AppError } from "../../../src/core/errors.ts";
import {
  type Image,
  type ImageSchema,
  JudgeMode,
  type PairwiseRequest,
  PairwiseRequestSchema,
  RewardMethod,
  type RewardRequest,
  RewardRequestSchema,
} from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { pairwiseRequestFromProto } from "../../../src/grpc/judge-proto.ts";
import { rewardRequestFromProto } from "../../../src/grpc/reward-proto.ts";
import { pairwiseRequestSchema } from "../../../src/http/wire/pairwise-schema.ts";
import { rewardRequestSchema } from "../../../src/http/wire/reward-schema.ts";
import { parseOrThrow } from "../../../src/http/wire/validation-details.ts";
import { checkPairwiseRequest } from "../../../src/judge/pairwise-checks.ts";
import { TEXT_LIMIT } from "../../../src/judge/request-limits.ts";
import { checkRewardRequest } from "../../../src/reward/reward-checks.ts";
import { TINY_PNG } from "../../helpers/fixtures.ts";

/**
 * gRPC checks decoded messages without HTTP's zod schemas; these properties hold it to them:
 * for any message, the JSON body HTTP would get for it is refused with the same details, or
 * accepted as the same request. The JSON bodies are built as gRPC built them before it had
 * checks of its own (unset fields left out, enum numbers it does not know passed through).
 */

/** The outcome of one path: the request, or the error's code, message and details. */
function outcome(run: () => unknown) {
  try {
    return { request: JSON.parse(JSON.stringify(run())) };
  } catch (thrown) {
    if (!(thrown instanceof AppError)) throw thrown;
    return { code: thrown.code, message: thrown.message, details: thrown.details };
  }
}

function imageJson(image: Image): Record<string, unknown> {
  if (image.source.case === "url") return { url: image.source.value };
  if (image.source.case === "data") {
    return { url: `data:image/png;base64,${Buffer.from(image.source.value).toString("base64")}` };
  }
  return {};
}

const MODE_NAMES: Record<number, string> = {
  [JudgeMode.REASONED]: "reasoned",
  [JudgeMode.FAST]: "fast",
};

/** Sets `body[key]` only when the message set it. */
function copyOptional(body: Record<string, unknown>, fields: Record<string, unknown>) {
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) body[key] = value;
  return body;
}

function pairwiseJson(message: PairwiseRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    question: message.question,
    images: message.images.map(imageJson),
    responses: message.responses,
  };
  if (message.mode !== JudgeMode.UNSPECIFIED) body.mode = MODE_NAMES[message.mode] ?? message.mode;
  const { rubric, swap, checkpoint, collect, cache, seed } = message;
  return copyOptional(body, { rubric, swap, checkpoint, collect, cache, seed });
}

/** Mostly valid values, so accepted requests are tried as well as refused ones. */
const mostly = <T>(valid: fc.Arbitrary<T>, edge: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: edge, weight: 1 });

const METHOD_NAMES: Record<number, string> = {
  [RewardMethod.REFERENCE]: "reference",
  [RewardMethod.ROUND_ROBIN]: "round_robin",
};

function rewardJson(message: RewardRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    question: message.question,
    images: message.images.map(imageJson),
    candidates: message.candidates,
  };
  if (message.method !== RewardMethod.UNSPECIFIED) {
    body.method = METHOD_NAMES[message.method] ?? message.method;
  }
  if (message.mode !== JudgeMode.UNSPECIFIED) body.mode = MODE_NAMES[message.mode] ?? message.mode;
  const { reference, checkpoint } = message;
  return copyOptional(body, { reference, checkpoint });
}

/** Texts at and around every limit and rule: empty, blank, the longest, one longer. */
const text = mostly(
  fc.constantFrom("x", " x ", "Two apples.", "x".repeat(TEXT_LIMIT)),
  fc.constantFrom("", " ", "\t\n", "x".repeat(TEXT_LIMIT + 1), " ".repeat(TEXT_LIMIT + 1)),
);

const image = mostly(
  fc.constantFrom(
    "https://example.com/a.png",
    "HTTP://example.com/a",
    "data:image/png;base64,AAAA",
  ),
  fc.constantFrom(
    "",
    "ftp://example.com/a.png",
    "DATA:IMAGE/GIF;BASE64,",
    "data:image/bmp;base64,AA",
  ),
)
  .map((url): MessageInitShape<typeof ImageSchema> => ({ source: { case: "url", value: url } }))
  .chain((byUrl) =>
    mostly(
      fc.constantFrom(byUrl, { source: { case: "data" as const, value: TINY_PNG } }),
      fc.constant({}),
    ),
  );

const images = mostly(
  fc.array(image, { maxLength: 2 }),
  fc.array(image, { minLength: 7, maxLength: 10 }),
);
const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
const checkpoint = optional(
  mostly(fc.constantFrom("c", "c".repeat(256)), fc.constantFrom("", "c".repeat(257))),
);
const mode = mostly(
  fc.constantFrom(JudgeMode.UNSPECIFIED, JudgeMode.REASONED, JudgeMode.FAST),
  fc.constant(7 as JudgeMode),
);

const pairwise = fc.record({
  question: text,
  images,
  responses: mostly(fc.tuple(text, text), fc.array(text, { maxLength: 4 })),
  rubric: optional(
    mostly(fc.constantFrom("", "be strict", "r".repeat(4_096)), fc.constant("r".repeat(4_097))),
  ),
  mode,
  swap: optional(fc.boolean()),
  checkpoint,
  collect: optional(fc.boolean()),
  cache: optional(fc.boolean()),
  seed: optional(mostly(fc.constantFrom(0, 1, 2 ** 31 - 1), fc.constantFrom(2 ** 31, 2 ** 32 - 1))),
});

/**
 * gRPC's image bytes reach intake as a data URI held as bytes (encoded once by the transport),
 * HTTP's as text: the same URI either way, compared as text.
 */
const asText = (_key: string, value: unknown) =>
  (value as { type?: unknown })?.type === "Buffer"
    ? Buffer.from((value as { data: number[] }).data).toString("latin1")
    : value;
const sameOutcome = (grpc: unknown, http: unknown) =>
  JSON.stringify(grpc, asText) === JSON.stringify(http, asText);

const viaHttp = <S extends z.ZodType>(schema: S, body: unknown) =>
  outcome(() => parseOrThrow(schema, body));

t.test("a pairwise request is refused or accepted as HTTP would its JSON", async (t) => {
  let accepted = 0;
  fc.assert(
    fc.property(pairwise, (fields) => {
      const message = create(PairwiseRequestSchema, fields);
      const grpc = outcome(() => checkPairwiseRequest(pairwiseRequestFromProto(message)));
      const http = viaHttp(pairwiseRequestSchema, pairwiseJson(message));
      accepted += "request" in http ? 1 : 0;
      return sameOutcome(grpc, http);
    }),
    { numRuns: 2_000 },
  );
  t.ok(accepted > 200, `accepted ones were tried too (${accepted} of 2,000)`);
});

const reward = fc.record({
  question: text,
  images,
  candidates: mostly(
    fc.array(text, { minLength: 2, maxLength: 4 }),
    fc.oneof(fc.array(text, { maxLength: 1 }), fc.array(text, { minLength: 17, maxLength: 18 })),
  ),
  reference: optional(text),
  method: mostly(
    fc.constantFrom(RewardMethod.UNSPECIFIED, RewardMethod.REFERENCE, RewardMethod.ROUND_ROBIN),
    fc.constant(5 as RewardMethod),
  ),
  mode,
  checkpoint,
});

t.test("a reward request is refused or accepted as HTTP would its JSON", async (t) => {
  let accepted = 0;
  fc.assert(
    fc.property(reward, (fields) => {
      const message = create(RewardRequestSchema, fields);
      const grpc = outcome(() => checkRewardRequest(rewardRequestFromProto(message)));
      const http = viaHttp(rewardRequestSchema, rewardJson(message));
      accepted += "request" in http ? 1 : 0;
      return sameOutcome(grpc, http);
    }),
    { numRuns: 2_000 },
  );
  t.ok(accepted > 200, `accepted ones were tried too (${accepted} of 2,000)`);
});
