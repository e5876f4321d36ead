import t from "tap";
import {
  dataUriBytes,
  dataUriPayload,
  dataUriText,
  InvalidDataUriError,
  keepableDataUri,
} from "../../../src/core/data-uri-payload.ts";

const text = (value: string) => Buffer.from(value, "latin1");

/** `value` in bytes of its own: an ArrayBuffer of exactly its length (Buffer.from pools). */
const own = (value: string) => new Uint8Array(text(value));

/** `value` as a slice in the middle of a larger body, as an HTTP request's JSON holds it. */
function sliceOfBody(value: string, before: number, after: number): Uint8Array {
  const body = own(`${"{".repeat(before)}${value}${"}".repeat(after)}`);
  return body.subarray(before, before + value.length);
}

t.test("the text of a data URI, from a string or from a slice of a body", async (t) => {
  const uri = "data:image/png;base64,iVBORw0KGgo=";
  t.equal(dataUriText(uri), uri);
  t.equal(dataUriText(sliceOfBody(uri, 7, 5)), uri, "only the slice, not the body around it");
  t.equal(dataUriText(text("data:,\xe9")), "data:,\xe9", "bytes read one to one (latin1)");
});

t.test("dataUriBytes: the URI's text as bytes, the payload encoded once", async (t) => {
  for (const image of [[], [1], [1, 2], [0xff, 0xfe, 0xfd], [0, 1, 2, 3, 4]]) {
    const bytes = Uint8Array.from(image);
    t.equal(
      dataUriBytes("image/webp", bytes).toString("latin1"),
      `data:image/webp;base64,${Buffer.from(bytes).toString("base64")}`,
      `${image.length} bytes`,
    );
  }
});

t.test("the payload of each padding, from bytes and from a slice of a body", async (t) => {
  for (const [payload, bytes] of [
    ["", []],
    ["TWFu", [0x4d, 0x61, 0x6e]],
    ["TWE=", [0x4d, 0x61]],
    ["TQ==", [0x4d]],
    ["TWFuTQ==", [0x4d, 0x61, 0x6e, 0x4d]],
  ] as const) {
    const uri = `data:image/gif;base64,${payload}`;
    t.same([...dataUriPayload(text(uri))], bytes, JSON.stringify(payload));
    t.same(
      [...dataUriPayload(sliceOfBody(uri, 3, 9))],
      bytes,
      `${JSON.stringify(payload)}, sliced`,
    );
    t.same([...dataUriPayload(uri)], bytes, `${JSON.stringify(payload)}, as a string`);
  }
});

t.test("the payload starts after the first comma, wherever it is", async (t) => {
  // A header of odd length: the payload's length, not the URI's, must be whole quanta.
  t.same([...dataUriPayload(text("data:image/webp;base64,TWFu"))], [0x4d, 0x61, 0x6e]);
  t.same([...dataUriPayload(text("data:image/webp;base64,TWE="))], [0x4d, 0x61]);
  t.same([...dataUriPayload(text("TQ=="))], [0x4d], "no comma: all of it");
  t.throws(() => dataUriPayload(text("data:image/webp;base64,TWF")), InvalidDataUriError);
});

t.test("the header is written one byte per character, as dataUriText reads it", async (t) => {
  const uri = dataUriBytes("image/x-\u00e9", Uint8Array.of(1, 2, 3));
  t.equal(dataUriText(uri), "data:image/x-\u00e9;base64,AQID");
});

t.test("a string is decoded leniently, as Buffer does", async (t) => {
  t.same([...dataUriPayload("data:image/gif;base64,TW Fu")], [0x4d, 0x61, 0x6e]);
  t.same([...dataUriPayload("data:image/gif;base64,TQ")], [0x4d]);
});

t.test("bytes that are not strict base64 are refused with InvalidDataUriError", async (t) => {
  for (const payload of [
    "=",
    "==",
    "TWFu=",
    "T",
    "TW",
    "TWF",
    "TW=u",
    "TWF-",
    "T===",
    "====",
    "TR==",
    "TWFuTW u",
  ]) {
    t.throws(
      () => dataUriPayload(text(`data:image/png;base64,${payload}`)),
      InvalidDataUriError,
      JSON.stringify(payload),
    );
  }
  const error = new InvalidDataUriError();
  t.ok(error instanceof Error);
  t.equal(error.name, "InvalidDataUriError");
  t.equal(error.message, "the data URI's payload is not strict base64");
});

t.test("a URI to keep: a small slice of a big body is copied, once", async (t) => {
  const uri = "data:image/png;base64,TWFu"; // 26 bytes
  t.equal(keepableDataUri(uri), uri, "a string is its own");
  const whole = own(uri);
  t.equal(keepableDataUri(whole), whole, "a buffer of its own is kept as is");
  const half = sliceOfBody(uri, 13, 13);
  t.equal(keepableDataUri(half), half, "half the body: at most twice its size is kept");
  const small = sliceOfBody(uri, 14, 13);
  const kept = keepableDataUri(small) as Uint8Array;
  t.not(kept, small, "less than half: copied");
  t.equal(dataUriText(kept), uri, "the same bytes");
  t.not(kept.buffer, small.buffer, "not holding the body");
});
