import fc from "fast-check";
import t from "tap";
import { createJsonShapeScanner, type JsonShapeLimits } from "../../../src/http/json-shape.ts";

/** The nesting depth of a parsed value: what the scanner must read off the bytes. */
function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (value !== null && typeof value === "object") {
    return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  }
  return 0;
}

/** Array elements and object members, an empty array or object counting as one. */
function valuesOf(value: unknown): number {
  const inner = Array.isArray(value)
    ? value
    : value !== null && typeof value === "object"
      ? Object.values(value)
      : null;
  if (inner === null) return 0;
  return Math.max(1, inner.length) + inner.reduce((sum: number, item) => sum + valuesOf(item), 0);
}

const WIDE_OPEN: JsonShapeLimits = { maxDepth: 1_000, maxValues: 1_000_000 };

/** Feeds `bytes` in the chunks `cuts` make: escapes and strings split across chunks. */
function scan(bytes: Buffer, cuts: number[], limits: JsonShapeLimits) {
  const scanner = createJsonShapeScanner(limits);
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  let at = 0;
  let excess: string | null = null;
  for (const point of [...points, bytes.length]) {
    excess = scanner.feed(bytes.subarray(at, point)) ?? excess;
    at = point;
  }
  return { excess, deepest: scanner.deepest, values: scanner.values };
}

// Strings full of the bytes that matter: brackets, commas, quotes, backslashes, multi-byte text.
const tricky = fc.string({
  unit: fc.constantFrom("[", "]", "{", "}", ",", '"', "\\", "a", "é", "😀", "\n"),
});
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    tricky,
    fc.integer(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(tricky, tie("value"), { maxKeys: 4 }),
  ),
})).value;

t.test("reads the depth and values of any JSON text, however it is cut", async (t) => {
  fc.assert(
    fc.property(json, fc.array(fc.nat(), { maxLength: 8 }), (value, cuts) => {
      const bytes = Buffer.from(JSON.stringify(value));
      const result = scan(bytes, cuts, WIDE_OPEN);
      return (
        result.excess === null &&
        result.deepest === depthOf(value) &&
        result.values === valuesOf(value)
      );
    }),
    { numRuns: 2_000 },
  );
  t.pass();
});

t.test("stops at the byte that crosses the depth limit", async (t) => {
  fc.assert(
    fc.property(json, fc.array(fc.nat(), { maxLength: 8 }), (value, cuts) => {
      const depth = depthOf(value);
      if (depth === 0) return true;
      const bytes = Buffer.from(JSON.stringify(value));
      const limits = (maxDepth: number) => ({ ...WIDE_OPEN, maxDepth });
      return (
        scan(bytes, cuts, limits(depth - 1)).excess === "depth" &&
        scan(bytes, cuts, limits(depth)).excess === null
      );
    }),
    { numRuns: 1_000 },
  );
  const scanner = createJsonShapeScanner({ maxDepth: 64, maxValues: 1_000 });
  t.equal(scanner.feed(Buffer.alloc(64, "[")), null);
  t.equal(scanner.feed(Buffer.from("[")), "depth", "the 65th `[`");
  t.equal(scanner.feed(Buffer.from("]")), "depth", "and stays refused");
});

t.test("stops at the byte that crosses the values limit", async (t) => {
  fc.assert(
    fc.property(json, fc.array(fc.nat(), { maxLength: 8 }), (value, cuts) => {
      const values = valuesOf(value);
      if (values === 0) return true;
      const bytes = Buffer.from(JSON.stringify(value));
      const limits = (maxValues: number) => ({ ...WIDE_OPEN, maxValues });
      return (
        scan(bytes, cuts, limits(values - 1)).excess === "values" &&
        scan(bytes, cuts, limits(values)).excess === null
      );
    }),
    { numRuns: 1_000 },
  );
  // A wide body, depth 2: refused at the 1,001st value, long before its end.
  const wide = Buffer.from(`[${Array(1_000_000).fill("{}").join(",")}]`);
  const scanner = createJsonShapeScanner({ maxDepth: 64, maxValues: 1_000 });
  // `[` and 500 `{}` with 499 commas between: the array's 500 elements and one per `{}`.
  const fiveHundred = 1 + 500 * 3 - 1;
  t.equal(scanner.feed(wide.subarray(0, fiveHundred)), null, "500 objects: 1,000 values");
  t.equal(scanner.feed(wide.subarray(fiveHundred, fiveHundred + 1)), "values", "the next comma");
  t.equal(scanner.values, 1_001);
  t.equal(scanner.deepest, 2);
});
