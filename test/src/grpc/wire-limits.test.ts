import { create, type DescMessage, fromBinary, toBinary } from "@bufbuild/protobuf";
import t from "tap";
import { Health } from "../../../src/grpc/gen/grpc/health/v1/health_pb.ts";
import {
  JudgeMode,
  JudgeService,
  PairwiseRequestSchema,
  PairwiseStreamRequestSchema,
  RewardMethod,
  RewardRequestSchema,
  RewardResponseSchema,
} from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { REQUEST_WIRE_LIMITS } from "../../../src/grpc/request-wire-limits.ts";
import { type WireLimits, wireLimitBreach } from "../../../src/grpc/wire-limits.ts";
import { MAX_IMAGES, RESPONSES_PER_REQUEST } from "../../../src/judge/request-limits.ts";
import { MAX_CANDIDATES } from "../../../src/reward/reward-limits.ts";

/**
 * The scan that refuses a request wider than any valid one before protobuf-es (@bufbuild/protobuf
 * 2.13.0) decodes it (src/grpc/wire-limits.ts): it counts what fromBinary would build, and never
 * less. Worked examples here; the properties are in wire-limits-properties.test.ts.
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
