import { create, type DescMessage, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import fc from "fast-check";
import t from "tap";
import { Health } from "../../../src/grpc/gen/grpc/health/v1/health_pb.ts";
import {
  ImageSchema,
  JudgeMode,
  JudgeService,
  type PairwiseRequest,
  PairwiseRequestSchema,
  type PairwiseStreamRequest,
  PairwiseStreamRequestSchema,
  RewardMethod,
  type RewardRequest,
  RewardRequestSchema,
  RewardResponseSchema,
} from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { REQUEST_WIRE_LIMITS } from "../../../src/grpc/request-wire-limits.ts";
import { type WireLimits, wireLimitBreach } from "../../../src/grpc/wire-limits.ts";
import { MAX_IMAGES, RESPONSES_PER_REQUEST } from "../../../src/judge/request-limits.ts";
import { MAX_CANDIDATES } from "../../../src/reward/reward-limits.ts";

/**
 * The scan that refuses a request wider than any valid one before protobuf-es decodes it
 * (src/grpc/wire-limits.ts): it counts what fromBinary would build, and never less.
 */

const L = REQUEST_WIRE_LIMITS;

/** `count` repetitions of `unit`, as one buffer. */
function repeated(unit: number[], count: number): Buffer {
  const bytes = Buffer.alloc(unit.length * count);
  for (let at = 0; at < bytes.length; at += unit.length) bytes.set(unit, at);
  return bytes;
}

const image = (bytes = 4) => ({
  source: { case: "data" as const, value: new Uint8Array(bytes).fill(7) },
});

const validPairwise = (images = 1) =>
  create(PairwiseRequestSchema, {
    question: "How many apples are in the bowl?",
    images: Array.from({ length: images }, () => image()),
    responses: ["Three red apples.", "Five green apples."],
    rubric: "Count carefully.",
    mode: JudgeMode.FAST,
    swap: false,
    checkpoint: "champion",
    collect: false,
    cache: false,
    seed: 7,
  });

t.test("the flood of the review: 10 MB of empty images is refused at the ninth", async (t) => {
  const flood = repeated([0x12, 0x00], 5_000_000);
  t.same(wireLimitBreach(PairwiseRequestSchema, flood, L), {
    path: "images",
    reason: `more than ${MAX_IMAGES} entries; refused before decoding`,
  });
  // What it would have cost: fromBinary builds an Image per entry (here a thousandth of it).
  const decoded = fromBinary(PairwiseRequestSchema, flood.subarray(0, 10_000));
  t.equal(decoded.images.length, 5_000, "protobuf-es decodes every one");
});

t.test("each limited field at its limit passes, one more is refused", async (t) => {
  const cases: [DescMessage, string, number, number[]][] = [
    [PairwiseRequestSchema, "images", MAX_IMAGES, [0x12, 0x00]],
    [PairwiseRequestSchema, "responses", RESPONSES_PER_REQUEST, [0x1a, 0x01, 0x61]],
    [RewardRequestSchema, "images", MAX_IMAGES, [0x12, 0x00]],
    [RewardRequestSchema, "candidates", MAX_CANDIDATES, [0x1a, 0x01, 0x61]],
  ];
  for (const [schema, field, limit, unit] of cases) {
    const name = `${schema.typeName}.${field}`;
    t.equal(wireLimitBreach(schema, repeated(unit, limit), L), undefined, `${name}: ${limit} pass`);
    t.equal(
      wireLimitBreach(schema, repeated(unit, limit + 1), L)?.path,
      field,
      `${name}: ${limit + 1} refused`,
    );
  }
  t.equal(
    wireLimitBreach(
      PairwiseRequestSchema,
      toBinary(PairwiseRequestSchema, validPairwise(MAX_IMAGES)),
      L,
    ),
    undefined,
  );
});

t.test(
  "a stream item's request is held to PairwiseRequest's limits, merged as decoded",
  async (t) => {
    const item = (images: number) =>
      toBinary(
        PairwiseStreamRequestSchema,
        create(PairwiseStreamRequestSchema, { id: "a", request: validPairwise(images) }),
      );
    t.equal(wireLimitBreach(PairwiseStreamRequestSchema, item(MAX_IMAGES), L), undefined);
    t.same(
      wireLimitBreach(PairwiseStreamRequestSchema, item(MAX_IMAGES + 1), L)?.path,
      "request.images",
    );
    // `request` twice: protobuf-es merges the two, images appended, and so does the count.
    const twice = Buffer.concat([item(5), item(5)]);
    t.equal(fromBinary(PairwiseStreamRequestSchema, twice).request?.images.length, 10);
    t.same(wireLimitBreach(PairwiseStreamRequestSchema, twice, L)?.path, "request.images");
  },
);

t.test("unknown fields and fields at all are capped per message", async (t) => {
  // Field 99, varint 0: protobuf-es keeps every one in $unknown.
  const unknown = [0x98, 0x06, 0x00];
  const few = repeated(unknown, L.maxUnknownFields);
  t.equal(wireLimitBreach(PairwiseRequestSchema, few, L), undefined, "a few pass");
  t.equal(fromBinary(PairwiseRequestSchema, few).$unknown?.length, L.maxUnknownFields);
  t.match(wireLimitBreach(PairwiseRequestSchema, repeated(unknown, 3_000_000), L), {
    path: undefined,
    reason: /more than 16 fields unknown/,
  });
  // `question` (1) sent again and again: each decoded (a string each), the last one kept.
  const question = [0x0a, 0x01, 0x71];
  t.equal(wireLimitBreach(PairwiseRequestSchema, repeated(question, L.maxFields), L), undefined);
  t.match(wireLimitBreach(PairwiseRequestSchema, repeated(question, L.maxFields + 1), L), {
    reason: /more than 64 fields/,
  });
  // Inside an image too, named by the image.
  const wideImage = Buffer.concat([
    Buffer.from([0x12, 0x84, 0x02]), // images, 260 bytes:
    repeated([0x0a, 0x02, 0x00, 0x00], 65), // data, 65 times
  ]);
  t.match(wireLimitBreach(PairwiseRequestSchema, wideImage, L), { path: "images.0" });
});

t.test("widest valid messages pass: the caps leave room", async (t) => {
  const reward = create(RewardRequestSchema, {
    question: "q",
    images: Array.from({ length: MAX_IMAGES }, () => image()),
    candidates: Array.from({ length: MAX_CANDIDATES }, () => "c"),
    reference: "r",
    method: RewardMethod.REFERENCE,
    mode: JudgeMode.FAST,
    checkpoint: "x",
  });
  const bytes = toBinary(RewardRequestSchema, reward);
  t.equal(wireLimitBreach(RewardRequestSchema, bytes, L), undefined);
  const fields = 5 + MAX_IMAGES + MAX_CANDIDATES;
  t.ok(fields + L.maxUnknownFields <= L.maxFields, `${fields} fields and the unknown ones fit`);
});

t.test("every repeated field of every request message has a limit", async (t) => {
  const requests = new Set<DescMessage>();
  const visit = (schema: DescMessage) => {
    if (requests.has(schema)) return;
    requests.add(schema);
    for (const field of schema.fields) {
      if (field.fieldKind === "message") visit(field.message);
      if (field.fieldKind === "list" && field.listKind === "message") visit(field.message);
    }
  };
  for (const service of [JudgeService, Health]) {
    for (const method of service.methods) visit(method.input);
  }
  for (const schema of requests) {
    for (const field of schema.fields) {
      if (field.fieldKind !== "list" && field.fieldKind !== "map") continue;
      const limit = L.repeated.get(schema.typeName)?.[field.localName];
      t.ok(limit !== undefined, `${schema.typeName}.${field.localName} has a limit`);
    }
    t.ok(
      schema.fields.every(
        (f) =>
          !(f.fieldKind === "message" || (f.fieldKind === "list" && f.listKind === "message")) ||
          !f.delimitedEncoding,
      ),
      `${schema.typeName}: no group-encoded message field (the scan refuses them)`,
    );
  }
});

t.test(
  "a known field under another wire type is refused: protobuf-es would misread it",
  async (t) => {
    // `mode` (5, an enum) framed as length-delimited around 20 empty images. protobuf-es reads
    // field 5 as a varint whatever the tag says, so it reads the length as the mode and the
    // framed bytes as fields of the request: 20 images the scan, skipping the frame, would miss.
    const inner = repeated([0x12, 0x00], 20);
    const smuggled = Buffer.concat([Buffer.from([0x2a, inner.length]), inner]);
    t.equal(fromBinary(PairwiseRequestSchema, smuggled).images.length, 20, "what protobuf-es does");
    t.match(wireLimitBreach(PairwiseRequestSchema, smuggled, L), {
      reason: /field mode \(5\) under wire type 2/,
    });
    // And an image (a message) framed as a varint.
    t.match(wireLimitBreach(PairwiseRequestSchema, Buffer.from([0x10, 0x05]), L), {
      reason: /field images \(2\) under wire type 0/,
    });
  },
);

t.test("framing protobuf-es would not read is refused, with where", async (t) => {
  const cases: [string, number[], RegExp][] = [
    ["a tag cut short", [0x80], /varint cut short at byte 0/],
    ["a tag over 32 bits", [0xff, 0xff, 0xff, 0xff, 0x7f], /invalid field tag/],
    ["field number 0", [0x02, 0x00], /invalid field tag/],
    ["a varint of 11 bytes", [0x28, ...Array(10).fill(0x80), 0x00], /varint too long/],
    ["a length past the end", [0x0a, 0x05, 0x61], /past the end/],
    ["a fixed64 cut short", [0x99, 0x06, 0x00], /past the end/],
    ["a group", [0x9b, 0x06, 0x9c, 0x06], /wire type 3/],
    ["wire type 7", [0x9f, 0x06], /wire type 7/],
    // An image of 2 bytes holding a data field of 5: past its message, though not the buffer.
    ["a field overrunning its message", [0x12, 0x02, 0x0a, 0x05, 0, 0, 0, 0, 0], /past the end/],
  ];
  for (const [name, bytes, reason] of cases) {
    const breach = wireLimitBreach(PairwiseRequestSchema, Uint8Array.from(bytes), L);
    t.match(breach, { reason }, name);
    t.equal(breach?.path, undefined, `${name}: no field named`);
  }
  t.equal(wireLimitBreach(PairwiseRequestSchema, new Uint8Array(), L), undefined, "empty is fine");
});

t.test("a packed list counts its values", async (t) => {
  // RewardResponse.ranking (3, repeated uint32) is no request: it stands in for a packed list.
  const limits: WireLimits = {
    ...L,
    repeated: new Map([[RewardResponseSchema.typeName, { ranking: 3 }]]),
  };
  const ranking = (values: number[]) =>
    toBinary(RewardResponseSchema, create(RewardResponseSchema, { ranking: values }));
  t.equal(wireLimitBreach(RewardResponseSchema, ranking([1, 300, 70_000]), limits), undefined);
  t.match(wireLimitBreach(RewardResponseSchema, ranking([1, 300, 70_000, 2]), limits), {
    path: "ranking",
  });
  // Unpacked values count one each; packed and unpacked add up.
  const unpacked = Buffer.from([0x10, 0x01, 0x10, 0x02]);
  t.equal(wireLimitBreach(RewardResponseSchema, unpacked, limits), undefined);
  t.match(
    wireLimitBreach(RewardResponseSchema, Buffer.concat([unpacked, ranking([5, 6])]), limits),
    { path: "ranking" },
  );
});

// Properties.

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
