import {
  decodeBase64Into,
  decodedLength,
  encodeBase64Into,
  encodedLength,
} from "./base64-bytes.ts";
import type { DataUri } from "./types.ts";

const COMMA = 0x2c;

/** A data URI as a string: for the few readers that need text (logs, tests, small probes). */
export const dataUriText = (uri: DataUri): string =>
  typeof uri === "string"
    ? uri
    : Buffer.from(uri.buffer, uri.byteOffset, uri.length).toString("latin1");

/**
 * A data URI to keep beyond its request (a buffered collection record, a shadow verdict). A
 * slice of a request body keeps the whole body alive (a `/v1/judge/batch` body can be 200 MB):
 * a slice much smaller than what it keeps is copied, once, so what is kept costs at most twice
 * its own size.
 */
export function keepableDataUri(uri: DataUri): DataUri {
  if (typeof uri === "string" || uri.length * 2 >= uri.buffer.byteLength) return uri;
  return Buffer.from(uri);
}

/** A data URI whose payload is not strict base64 (intake lets none through). */
export class InvalidDataUriError extends Error {
  constructor() {
    super("the data URI's payload is not strict base64");
    this.name = "InvalidDataUriError";
  }
}

/**
 * The bytes of a base64 data URI that intake (or the gateway itself) made, in a Buffer of
 * their own: what a blob store keeps. Throws InvalidDataUriError for bytes that are not strict
 * base64 (a string is decoded leniently, as Buffer does).
 */
export function dataUriPayload(uri: DataUri): Buffer {
  if (typeof uri === "string") return Buffer.from(uri.slice(uri.indexOf(",") + 1), "base64");
  const from = uri.indexOf(COMMA) + 1;
  // Also keeps the length below whole and non-negative ("=" alone would imply -1/4 bytes).
  if ((uri.length - from) % 4 !== 0) throw new InvalidDataUriError();
  // An empty payload ends at the comma, so a last "=" is always the payload's.
  let padding = 0;
  if (uri[uri.length - 1] === 0x3d) padding = uri[uri.length - 2] === 0x3d ? 2 : 1;
  const out = Buffer.allocUnsafe(decodedLength(uri.length - from, padding));
  if (decodeBase64Into(uri, from, uri.length, out) !== out.length) {
    throw new InvalidDataUriError();
  }
  return out;
}

/** `data:<mime>;base64,<bytes encoded>` as the bytes of its text, encoded once, no string. */
export function dataUriBytes(mime: string, bytes: Uint8Array): Buffer {
  const header = `data:${mime};base64,`;
  const out = Buffer.allocUnsafe(header.length + encodedLength(bytes.length));
  out.write(header, 0, "latin1");
  encodeBase64Into(bytes, out, header.length);
  return out;
}
