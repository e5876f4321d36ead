import fc from "fast-check";
import { TINY_PNG, TINY_PNG_DATA_URI } from "../../../helpers/fixtures.ts";

/**
 * Values the fuzz puts where the API expects something else: wrong types, huge and odd strings,
 * deep nesting, images that are not what they claim. Shared by the HTTP and gRPC cases.
 */

/** Past every text limit (32 KiB) but far under the body limit. */
const HUGE = 40_000;

/** Strings an API meets in the wild, and some it should never meet. */
export const oddString = fc.oneof(
  { weight: 4, arbitrary: fc.string() },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme" }) },
  // Any code point, lone surrogates included (JSON escapes them; UTF-8 cannot carry them).
  { weight: 2, arbitrary: fc.string({ unit: "binary" }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "",
      " ",
      "\u0000",
      "\uFEFFquestion",
      "\u202Eevil\u202C",
      "e\u0301\u0301\u0301",
      "👩‍👩‍👧‍👦".repeat(50),
      "x".repeat(HUGE),
      "𝕏".repeat(HUGE / 2),
      "\n".repeat(HUGE),
      "__proto__",
      "constructor",
      "<script>alert(1)</script>",
      "'; DROP TABLE verdicts; --",
      "%s%s%s%n",
      "../../../../etc/passwd",
    ),
  },
);

/** Any JSON value of modest size: the wrong type for most fields. */
export const wrongType = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A JSON value nested `depth` deep: arrays, objects, or both alternating. */
export function nested(depth: number, shape: "array" | "object" | "mixed"): string {
  let open = "";
  let close = "";
  for (let i = 0; i < depth; i++) {
    const array = shape === "array" || (shape === "mixed" && i % 2 === 0);
    open += array ? "[" : '{"a":';
    close = (array ? "]" : "}") + close;
  }
  return `${open}1${close}`;
}

/** Moderately deep JSON (up to 1,000 levels), as a value or a whole body. */
export const deepJson = fc
  .tuple(
    fc.integer({ min: 64, max: 1_000 }),
    fc.constantFrom("array", "object", "mixed") as fc.Arbitrary<"array" | "object" | "mixed">,
  )
  .map(([depth, shape]) => nested(depth, shape));

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const PNG_SIGNATURE = TINY_PNG.subarray(0, 8);

/** A PNG header declaring `width` × `height` with nothing behind it (a decompression bomb's). */
function pngDeclaring(width: number, height: number): Buffer {
  const header = Buffer.from(TINY_PNG.subarray(0, 33));
  header.writeUInt32BE(width, 16);
  header.writeUInt32BE(height, 20);
  return header;
}

/**
 * Image URLs. Remote ones use literal IPs refused before connecting (the fuzz runs with an
 * empty fetch allow list) or schemes never fetched: no run sends traffic off this machine,
 * and none names a host, so none makes a DNS query.
 */
export const imageUrl = fc.oneof(
  { weight: 3, arbitrary: fc.constant(TINY_PNG_DATA_URI) },
  {
    weight: 6,
    arbitrary: fc.oneof(
      fc.constant("data:image/png;base64,"),
      fc.constant("data:;base64,"),
      fc.constant("data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'/>"),
      fc.constant("DATA:IMAGE/PNG;BASE64,iVBORw0KGgo="),
      fc.string().map((s) => `data:image/gif;base64,${s}`),
      fc.base64String().map((s) => `data:image/jpeg;base64,${s}`),
      fc.uint8Array({ maxLength: 256 }).map((b) => `data:image/png;base64,${base64(b)}`),
      // A real signature on garbage, and headers declaring absurd sizes.
      fc
        .uint8Array({ maxLength: 256 })
        .map(
          (b) => `data:image/png;base64,${base64(Buffer.concat([PNG_SIGNATURE, Buffer.from(b)]))}`,
        ),
      fc
        .tuple(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }))
        .map(([w, h]) => `data:image/png;base64,${base64(pngDeclaring(w, h))}`),
      fc.constant(`data:image/png;base64,${"A".repeat(HUGE)}`),
      fc.constant("data:image/png;base64,!!!!"),
      fc.constant("data:image/png;charset=utf-8,\u00ff\u00fe"),
    ),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "http://10.0.0.1/a.png",
      "http://[::1]:1/a.png",
      "http://127.0.0.1:1/a.png",
      "http://0x7f.1/a.png",
      "http://2130706433/a.png",
      "http://169.254.169.254/latest/meta-data/",
      "https://[fe80::1]/a.png",
      "http://user:pass@127.0.0.1/a.png",
      "file:///etc/passwd",
      "ftp://127.0.0.1/a.png",
      "javascript:alert(1)",
      "gopher://127.0.0.1:6379/_INFO",
      "",
      `http://127.0.0.1/${"a".repeat(HUGE)}`,
    ),
  },
  { weight: 1, arbitrary: fc.string() },
);

/** An image object: usually `{ url }`, sometimes not. */
export const imageRef = fc.oneof(
  { weight: 6, arbitrary: imageUrl.map((url) => ({ url })) },
  { weight: 1, arbitrary: fc.record({ url: imageUrl, detail: fc.constant("high") }) },
  { weight: 1, arbitrary: wrongType },
);
