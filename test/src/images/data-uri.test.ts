import fc from "fast-check";
import t from "tap";
import { AppError } from "../../../src/core/errors.ts";
import { decodeDataUri } from "../../../src/images/data-uri.ts";
import { dataUri, PNG } from "./image-bytes.ts";

const options = { maxBytes: 1024, path: "images.2.url" };

function failure(uri: string | Buffer, maxBytes = options.maxBytes): AppError {
  try {
    decodeDataUri(uri, { ...options, maxBytes });
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error(`expected ${uri.toString().slice(0, 40)} to be refused`);
}

t.test("decodes a well-formed data URI", async (t) => {
  const decoded = decodeDataUri(dataUri("image/png", PNG), options);
  t.same(decoded.bytes, PNG);
  t.equal(decoded.base64, PNG.toString("base64"));
  t.equal(decoded.declaredMime, "image/png");
});

t.test("accepts each declared image type and an exactly-max payload", async (t) => {
  for (const mime of ["image/png", "image/jpeg", "image/webp", "image/gif"]) {
    t.equal(decodeDataUri(dataUri(mime, PNG), options).declaredMime, mime);
  }
  const atLimit = Buffer.alloc(1024, 7);
  t.equal(decodeDataUri(dataUri("image/png", atLimit), options).bytes.length, 1024);
});

t.test("refuses other shapes with INVALID_REQUEST naming the path", async (t) => {
  const payload = PNG.toString("base64");
  const shapes = [
    `data:image/svg+xml;base64,${payload}`,
    `data:image/png,${payload}`,
    `data:image/png;charset=utf-8;base64,${payload}`,
    `data:IMAGE/PNG;base64,${payload}`,
    `data:;base64,${payload}`,
    `data:text/plain;base64,${payload}`,
    "data:image/png;base64",
  ];
  for (const uri of shapes) {
    const error = failure(uri);
    t.equal(error.code, "INVALID_REQUEST", uri.slice(0, 30));
    t.same(error.details, [{ path: "images.2.url", reason: "invalid_data_uri" }]);
  }
});

t.test("refuses base64 that Buffer.from would silently accept", async (t) => {
  const payloads = {
    "invalid character": "iVBO$w0KGgo=",
    "embedded space": "iVBO Rw0KGgo=",
    "trailing newline": "iVBORw0KGgo=\n",
    "url-safe alphabet": "iVBO-w0_Ggo=",
    "missing padding": "iVBORw0KGgo",
    "padding in the middle": "iV==Rw0KGgo=",
    "too much padding": "iVBORw0KGg===",
    "non-zero trailing bits": "QR==",
    "non-zero trailing bits, one pad": "QUJ=",
  };
  for (const [name, payload] of Object.entries(payloads)) {
    const error = failure(`data:image/png;base64,${payload}`);
    t.equal(error.code, "INVALID_REQUEST", name);
    t.equal(error.httpStatus, 400, name);
    t.same(error.details, [{ path: "images.2.url", reason: "invalid_base64" }], name);
  }
});

t.test("refuses an oversize payload with PAYLOAD_TOO_LARGE", async (t) => {
  const error = failure(dataUri("image/png", Buffer.alloc(1025)));
  t.equal(error.code, "PAYLOAD_TOO_LARGE");
  t.equal(error.httpStatus, 413);
  t.same(error.details, [{ path: "images.2.url", reason: "too_large" }]);
});

t.test("judges size from the payload length before validating or decoding it", async (t) => {
  // Not valid base64 at all: only a length-based check can answer 413 here.
  const error = failure(`data:image/png;base64,${"$".repeat(4 * 400)}`);
  t.equal(error.code, "PAYLOAD_TOO_LARGE");
});

// The definition the decoder's cheaper check must agree with: RFC 4648 alphabet, padding only
// at the end, a length that is a multiple of 4, and a canonical final quantum.
function isStrictBase64ByDefinition(payload: string): boolean {
  if (payload.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(payload)) return false;
  const last = payload.slice(-4);
  return Buffer.from(last, "base64").toString("base64") === last;
}

t.test("accepts exactly the strict base64 payloads, and decodes them", async (t) => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const character = fc.oneof(
    { weight: 20, arbitrary: fc.constantFrom(...alphabet) },
    { weight: 1, arbitrary: fc.constantFrom("=", "-", "_", " ", "\n", "$", "%", "é", "\0") },
  );
  const payload = fc.oneof(
    fc.array(character, { maxLength: 24 }).map((chars) => chars.join("")),
    // Real encodings, sometimes with one character changed: mostly valid, near misses.
    fc
      .tuple(fc.uint8Array({ maxLength: 16 }), fc.nat(), character, fc.boolean())
      .map(([bytes, at, swap, mutate]) => {
        const text = Buffer.from(bytes).toString("base64");
        if (!mutate || text.length === 0) return text;
        const i = at % text.length;
        return text.slice(0, i) + swap + text.slice(i + 1);
      }),
  );
  fc.assert(
    fc.property(payload, (text) => {
      const uri = `data:image/png;base64,${text}`;
      // The same URI as the bytes of its text, as an HTTP body's slice reaches intake.
      const asBytes = Buffer.from(uri, "utf8");
      if (!isStrictBase64ByDefinition(text)) {
        return (
          failure(uri).details?.[0]?.reason === "invalid_base64" &&
          failure(asBytes).details?.[0]?.reason === "invalid_base64"
        );
      }
      const decoded = decodeDataUri(uri, options);
      const fromBytes = decodeDataUri(asBytes, options);
      return (
        decoded.bytes.equals(Buffer.from(text, "base64")) &&
        decoded.base64 === text &&
        fromBytes.bytes.equals(Buffer.from(text, "base64")) &&
        Buffer.from(fromBytes.base64).toString("latin1") === text
      );
    }),
    { numRuns: 5_000 },
  );
  t.pass("5,000 payloads agree with the definition, as text and as bytes");
});

t.test("a payload of padding alone is refused, never read from the last decode", async (t) => {
  // Decoded bytes share one buffer (data-uri.ts): "=" and "==" imply -1 bytes, which a
  // decoder's "not base64" (-1) must not be taken to match.
  decodeDataUri(Buffer.from(dataUri("image/png", PNG), "latin1"), options);
  for (const payload of ["=", "=="]) {
    const uri = Buffer.from(`data:image/png;base64,${payload}`, "latin1");
    const reserved: number[] = [];
    let error: unknown;
    try {
      const decoded = decodeDataUri(uri, { ...options, reserve: (n) => reserved.push(n) });
      t.fail(`${payload}: decoded to ${decoded.bytes.length} bytes of the previous image`);
    } catch (caught) {
      error = caught;
    }
    t.match(error, { details: [{ path: "images.2.url", reason: "invalid_base64" }] }, payload);
    t.ok(
      reserved.every((n) => n >= 0),
      `${payload}: nothing negative reserved`,
    );
  }
});
