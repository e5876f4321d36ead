import fc from "fast-check";
import t from "tap";
import { createJsonDepthScanner } from "../../../src/http/json-depth.ts";

/** The nesting depth of a parsed value: what the scanner must read off the bytes. */
function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (value !== null && typeof value === "object") {
    return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  }
  return 0;
}

/** Feeds `bytes` in the chunks `cuts` make: escapes and strings split across chunks. */
function scan(bytes: Buffer, cuts: number[], maxDepth: number) {
  const scanner = createJsonDepthScanner(maxDepth);
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  let at = 0;
  let within = true;
  for (const point of [...points, bytes.length]) {
    within = scanner.feed(bytes.subarray(at, point)) && within;
    at = point;
  }
  return { within, deepest: scanner.deepest };
}

// Strings full of the bytes that matter: brackets, quotes, backslashes, and multi-byte text.
const tricky = fc.string({
  unit: fc.constantFrom("[", "]", "{", "}", '"', "\\", "a", "é", "😀", "\n"),
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

t.test("reads the depth of any JSON text, however it is cut into chunks", async (t) => {
  fc.assert(
    fc.property(json, fc.array(fc.nat(), { maxLength: 8 }), (value, cuts) => {
      const bytes = Buffer.from(JSON.stringify(value));
      const depth = depthOf(value);
      const result = scan(bytes, cuts, 1_000);
      return result.within && result.deepest === depth;
    }),
    { numRuns: 2_000 },
  );
  t.pass();
});

t.test("stops at the byte that crosses the limit", async (t) => {
  fc.assert(
    fc.property(json, fc.array(fc.nat(), { maxLength: 8 }), (value, cuts) => {
      const depth = depthOf(value);
      if (depth === 0) return true;
      const bytes = Buffer.from(JSON.stringify(value));
      return scan(bytes, cuts, depth - 1).within === false && scan(bytes, cuts, depth).within;
    }),
    { numRuns: 1_000 },
  );
  const scanner = createJsonDepthScanner(64);
  t.equal(scanner.feed(Buffer.alloc(64, "[")), true);
  t.equal(scanner.feed(Buffer.from("[")), false, "the 65th `[`");
  t.equal(scanner.feed(Buffer.from("]")), false, "and stays refused");
});
