import { create, type DescMessage, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import fc from "fast-check";
import t from "tap";
import {
  ImageSchema,
  JudgeMode,
  type PairwiseRequest,
  PairwiseRequestSchema,
  type PairwiseStreamRequest,
  PairwiseStreamRequestSchema,
  RewardMethod,
  type RewardRequest,
  RewardRequestSchema,
} from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { REQUEST_WIRE_LIMITS } from "../../../src/grpc/request-wire-limits.ts";
import { type WireLimits, wireLimitBreach } from "../../../src/grpc/wire-limits.ts";
import { MAX_IMAGES, RESPONSES_PER_REQUEST } from "../../../src/judge/request-limits.ts";
import { MAX_CANDIDATES } from "../../../src/reward/reward-limits.ts";

/**
 * Properties of the scan that refuses a request wider than any valid one before protobuf-es
 * (@bufbuild/protobuf 2.13.0, `fromBinary`) decodes it (src/grpc/wire-limits.ts): on valid
 * messages it counts exactly what fromBinary builds; on any bytes, what it lets through
 * decodes within the limits, and it never throws. The worked examples are in
 * wire-limits.test.ts.
 */

const L = REQUEST_WIRE_LIMITS;

const text = fc.string({ maxLength: 6 });
const images = (max: number) =>
  fc.array(
    fc.oneof(
      fc
        .uint8Array({ maxLength: 6 })
        .map((value) => ({ source: { case: "data" as const, value } })),
      text.map((value) => ({ source: { case: "url" as const, value } })),
      fc.constant({}),
    ),
    { maxLength: max },
  );
const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });

const pairwiseFields = fc.record({
  question: text,
  images: images(MAX_IMAGES + 3),
  responses: fc.array(text, { maxLength: RESPONSES_PER_REQUEST + 2 }),
  rubric: optional(text),
  mode: fc.constantFrom(JudgeMode.UNSPECIFIED, JudgeMode.REASONED, JudgeMode.FAST),
  swap: optional(fc.boolean()),
  checkpoint: optional(text),
  collect: optional(fc.boolean()),
  cache: optional(fc.boolean()),
  seed: optional(fc.nat()),
});

const rewardFields = fc.record({
  question: text,
  images: images(MAX_IMAGES + 3),
  candidates: fc.array(text, { maxLength: MAX_CANDIDATES + 3 }),
  reference: optional(text),
  method: fc.constantFrom(RewardMethod.UNSPECIFIED, RewardMethod.ROUND_ROBIN),
  mode: fc.constantFrom(JudgeMode.UNSPECIFIED, JudgeMode.FAST),
  checkpoint: optional(text),
});

/** The limits with only `field` of `typeName` limited, to `limit`. */
function onlyLimit(typeName: string, field: string, limit: number): WireLimits {
  return { ...L, repeated: new Map([[typeName, { [field]: limit }]]) };
}

/**
 * Whether the scan agrees with `counts`, what fromBinary decoded from `bytes`: refused (at a
 * field over its limit) exactly when one is over; and each count exact, the field passing at a
 * limit of its count and refused at one less.
 */
function agrees(schema: DescMessage, bytes: Uint8Array, counts: Record<string, number>): boolean {
  const limits = L.repeated.get(schema.typeName)!;
  const over = Object.keys(counts).filter((field) => counts[field]! > limits[field]!);
  const breach = wireLimitBreach(schema, bytes, L);
  const verdict = over.length === 0 ? breach === undefined : over.includes(breach?.path ?? "");
  return (
    verdict &&
    Object.entries(counts).every(
      ([field, count]) =>
        wireLimitBreach(schema, bytes, onlyLimit(schema.typeName, field, count)) === undefined &&
        (count === 0 ||
          wireLimitBreach(schema, bytes, onlyLimit(schema.typeName, field, count - 1))?.path ===
            field),
    )
  );
}

t.test("property: on valid messages the scan counts what fromBinary decodes", async (t) => {
  const runs = { pairwise: 1_000, reward: 1_000, stream: 500 };
  fc.assert(
    fc.property(pairwiseFields, (fields) => {
      const bytes = toBinary(PairwiseRequestSchema, create(PairwiseRequestSchema, fields));
      const decoded: PairwiseRequest = fromBinary(PairwiseRequestSchema, bytes);
      return agrees(PairwiseRequestSchema, bytes, {
        images: decoded.images.length,
        responses: decoded.responses.length,
      });
    }),
    { numRuns: runs.pairwise },
  );
  fc.assert(
    fc.property(rewardFields, (fields) => {
      const bytes = toBinary(RewardRequestSchema, create(RewardRequestSchema, fields));
      const decoded: RewardRequest = fromBinary(RewardRequestSchema, bytes);
      return agrees(RewardRequestSchema, bytes, {
        images: decoded.images.length,
        candidates: decoded.candidates.length,
      });
    }),
    { numRuns: runs.reward },
  );
  fc.assert(
    fc.property(text, pairwiseFields, (id, fields) => {
      const request = create(PairwiseRequestSchema, fields);
      const item = create(PairwiseStreamRequestSchema, { id, request });
      const bytes = toBinary(PairwiseStreamRequestSchema, item);
      const decoded = fromBinary(PairwiseStreamRequestSchema, bytes).request!;
      const over = decoded.images.length > MAX_IMAGES || decoded.responses.length > 2;
      const breach = wireLimitBreach(PairwiseStreamRequestSchema, bytes, L);
      return over ? /^request\.(images|responses)$/.test(breach?.path ?? "") : !breach;
    }),
    { numRuns: runs.stream },
  );
  t.pass(`${runs.pairwise + runs.reward + runs.stream} messages agreed`);
});

/** Any field of any wire type, payloads possibly nested: what a hostile client can frame. */
interface Soup {
  fields: { no: number; value: bigint | Uint8Array | Soup }[];
}

const soup: fc.Arbitrary<Soup> = fc.letrec<{ soup: Soup; field: Soup["fields"][number] }>(
  (tie) => ({
    soup: fc.record({ fields: fc.array(tie("field"), { maxLength: 14 }) }),
    field: fc.record({
      // Mostly images or request (2) and responses or candidates (3), some of every other
      // field and unknown ones.
      no: fc.oneof(
        fc.constantFrom(2, 2, 2, 3, 3),
        fc.integer({ min: 1, max: 12 }),
        fc.constant(99),
      ),
      value: fc.oneof(
        { maxDepth: 3, depthIdentifier: "soup" },
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.uint8Array({ maxLength: 4, max: 0x7f }),
        tie("soup"),
      ),
    }),
  }),
).soup;

const NUMBER_WIRES = [WireType.Varint, WireType.Bit64, WireType.Bit32, WireType.LengthDelimited];

/** `soup` as bytes; a number goes under the wire type `wireOf` picks (an empty frame for 2). */
function encode(soup: Soup, wireOf: (index: number) => number): Uint8Array {
  const writer = new BinaryWriter();
  soup.fields.forEach(({ no, value }, index) => {
    if (typeof value !== "bigint") {
      writer.tag(no, WireType.LengthDelimited);
      writer.bytes(value instanceof Uint8Array ? value : encode(value, wireOf));
      return;
    }
    const wire = NUMBER_WIRES[wireOf(index) % NUMBER_WIRES.length]!;
    writer.tag(no, wire);
    if (wire === WireType.Varint) writer.uint64(value);
    else if (wire === WireType.Bit64) writer.fixed64(value);
    else if (wire === WireType.Bit32) writer.fixed32(Number(value & 0xffff_ffffn));
    else writer.bytes(new Uint8Array(0));
  });
  return writer.finish();
}

const tight: WireLimits = {
  maxFields: 10,
  maxUnknownFields: 2,
  repeated: new Map<string, Record<string, number>>([
    [PairwiseRequestSchema.typeName, { images: 2, responses: 1 }],
    [RewardRequestSchema.typeName, { images: 2, candidates: 3 }],
  ]),
};

const unknownOf = (message: { $unknown?: unknown[] }) => message.$unknown?.length ?? 0;

/** Whether a decoded request keeps to the tight limits: its lists, its and its images' unknowns. */
function requestWithin(schema: DescMessage, request: PairwiseRequest | RewardRequest): boolean {
  const lists = Object.entries(tight.repeated.get(schema.typeName)!).every(
    ([field, limit]) => (request as unknown as Record<string, unknown[]>)[field]!.length <= limit,
  );
  return (
    lists &&
    unknownOf(request) <= tight.maxUnknownFields &&
    request.images.every((image) => unknownOf(image) <= tight.maxUnknownFields)
  );
}

/** True when fromBinary refuses `bytes`, or what it decodes keeps to the tight limits. */
function withinTight(schema: DescMessage, bytes: Uint8Array): boolean {
  let decoded: unknown;
  try {
    decoded = fromBinary(schema, bytes);
  } catch {
    return true;
  }
  if (schema !== PairwiseStreamRequestSchema) {
    return requestWithin(schema, decoded as PairwiseRequest | RewardRequest);
  }
  const item = decoded as PairwiseStreamRequest;
  return (
    unknownOf(item) <= tight.maxUnknownFields &&
    (item.request === undefined || requestWithin(PairwiseRequestSchema, item.request))
  );
}

const schemas = [PairwiseRequestSchema, RewardRequestSchema, PairwiseStreamRequestSchema];

t.test("property: what the scan lets through, fromBinary decodes within the limits", async (t) => {
  let passed = 0;
  let refused = 0;
  fc.assert(
    fc.property(soup, fc.nat(), fc.constantFrom(...schemas), (fields, seed, schema) => {
      const bytes = encode(fields, (index) => (seed >> (2 * (index % 15))) & 3);
      if (wireLimitBreach(schema, bytes, tight)) {
        refused++;
        return true;
      }
      passed++;
      return withinTight(schema, bytes);
    }),
    { numRuns: 3_000 },
  );
  t.ok(passed > 300 && refused > 300, `both outcomes tried (${passed} passed, ${refused} refused)`);
});

t.test("property: arbitrary bytes never throw from the scan", async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      for (const schema of [...schemas, ImageSchema]) wireLimitBreach(schema, bytes, L);
    }),
    { numRuns: 2_000 },
  );
  t.pass("2,000 byte strings scanned as each request type");
});
