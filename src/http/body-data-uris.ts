import { randomBytes } from "node:crypto";
import { AppError } from "../core/errors.ts";

/**
 * An image body is nearly all base64: 626 KB of JSON for one 470 KB photo. Decoded into a
 * string and parsed, its data URIs became two more JavaScript strings of that size, each a
 * fresh large-object mapping in V8 (a page fault per 4 KB, and 2–4 ms a copy here). Here
 * each image's data URI is instead cut out of the body before parsing and kept as a slice of
 * the body's own bytes: JSON.parse reads a short stand-in, the schema checks that stand-in
 * (it keeps the URI's header, so the same rules hold and word their errors the same), and the
 * route puts the bytes back in place of it (`restoreDataUris`) before the service sees the
 * request. Intake then decodes the bytes without a string, and the chat body sends them as
 * they are (`engine/chat-body.ts`).
 *
 * Every string that is the value of a `"url"` member, begins with an image data URI header
 * and holds no backslash is cut out, small ones too (one path for every image); anything else
 * (a data URI elsewhere, an escaped one, a malformed header) is parsed as before and meets the
 * usual checks.
 */

/** The header the stand-in keeps (the schema's IMAGE_URL_PREFIX, data part). */
const HEADER = /^data:image\/(?:png|jpeg|webp|gif);base64,/i;
/** Longer than any header HEADER accepts. */
const HEADER_PROBE = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPENING = Buffer.from('"data:', "latin1");
const URL_KEY = Buffer.from('"url"', "latin1");

/**
 * Stand-ins name this process's nonce: a caller cannot write one (it never sees the nonce, and
 * `#` is no base64, so a stand-in that reached intake would be refused, never misread).
 */
const NONCE = randomBytes(12).toString("hex");
const MARKER = `#jurist-body-${NONCE}-`;

const isSpace = (byte: number | undefined) =>
  byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;

/** Index of the last byte before `at` that is not JSON whitespace (-1 when none). */
function skipSpaceBack(bytes: Buffer, at: number): number {
  let index = at - 1;
  while (index >= 0 && isSpace(bytes[index])) index -= 1;
  return index;
}

/**
 * Whether the quote at `quote` opens the value of a `"url"` member. A quote not preceded by a
 * backslash is never inside a string (there it would be escaped), so one followed by `data:`
 * opens a string; preceded by `:` it is a member's value, and the key before it is checked.
 */
function opensUrlValue(bytes: Buffer, quote: number): boolean {
  if (bytes[quote - 1] === BACKSLASH) return false;
  const colon = skipSpaceBack(bytes, quote);
  if (colon < 0 || bytes[colon] !== COLON) return false;
  const keyEnd = skipSpaceBack(bytes, colon) + 1;
  const keyStart = keyEnd - URL_KEY.length;
  return (
    keyStart >= 0 &&
    bytes.compare(URL_KEY, 0, URL_KEY.length, keyStart, keyEnd) === 0 &&
    bytes[keyStart - 1] !== BACKSLASH
  );
}

/** A data URI cut out of a body: where its text (quotes excluded) lies. */
interface Span {
  start: number;
  end: number;
  header: string;
}

/** The image data URIs of a JSON body that can be cut out, in order. */
function findSpans(bytes: Buffer): Span[] {
  const spans: Span[] = [];
  let from = 0;
  for (;;) {
    const quote = bytes.indexOf(OPENING, from);
    if (quote < 0) return spans;
    const start = quote + 1;
    const end = bytes.indexOf(QUOTE, start);
    if (end < 0) return spans;
    from = end + 1;
    if (!opensUrlValue(bytes, quote)) continue;
    // A backslash inside would make the JSON text differ from the URI: leave it to JSON.parse.
    if (bytes.subarray(start, end).indexOf(BACKSLASH) !== -1) continue;
    const header = HEADER.exec(bytes.toString("latin1", start, start + HEADER_PROBE));
    if (header) spans.push({ start, end, header: header[0] });
  }
}

/** A body's text with its data URIs cut out, and the bytes of each by stand-in. */
export interface CutBody {
  text: string;
  /** Stand-in → the data URI's bytes (a view of the body). Empty when nothing was cut. */
  dataUris: Map<string, Buffer>;
}

/**
 * The JSON text of `bytes` (ASCII read as Latin-1, a plain copy; else UTF-8), with every image
 * data URI that can be cut out replaced by a short stand-in. Cuts fall on ASCII quotes, so
 * no UTF-8 sequence is split.
 */
export function cutDataUris(bytes: Buffer, ascii: boolean): CutBody {
  const encoding = ascii ? "latin1" : "utf8";
  const spans = findSpans(bytes);
  const dataUris = new Map<string, Buffer>();
  if (spans.length === 0) return { text: bytes.toString(encoding), dataUris };
  const pieces: string[] = [];
  let at = 0;
  for (const [index, span] of spans.entries()) {
    const standIn = `${span.header}${MARKER}${index}`;
    pieces.push(bytes.toString(encoding, at, span.start), standIn);
    dataUris.set(standIn, bytes.subarray(span.start, span.end));
    at = span.end;
  }
  pieces.push(bytes.toString(encoding, at));
  return { text: pieces.join(""), dataUris };
}

/**
 * `value` (a validated body, or part of one) with every stand-in of `dataUris` at a `url` key
 * replaced, in place: by its bytes (`as` "bytes", where intake reads images), or by the very
 * string JSON.parse would have made (`as` "text", for a value that is judged as JSON text: a
 * `/get_reward` label may be any object, and bytes there would read `{"type":"Buffer",…}`, a
 * stand-in a string naming the nonce). A stand-in the walk does not reach stays a string,
 * which intake refuses as a malformed data URI: never a wrong image.
 */
export function restoreDataUris<T>(
  value: T,
  dataUris: ReadonlyMap<string, Buffer>,
  as: "bytes" | "text" = "bytes",
): T {
  if (dataUris.size > 0) restoreIn(value, dataUris, as === "bytes" ? asBytes : asJsonString);
  return value;
}

const asBytes = (bytes: Buffer): Buffer => bytes;

/**
 * The string JSON.parse makes of a cut URI (no quote or backslash in it, `findSpans`). A JSON
 * string cannot hold a raw control character: JSON.parse would have refused the body for one.
 */
function asJsonString(bytes: Buffer): string {
  if (bytes.some((byte) => byte < 0x20)) {
    throw new AppError("INVALID_REQUEST", "the body is not valid JSON", {
      details: [{ reason: "a control character in a string" }],
    });
  }
  return bytes.toString("utf8");
}

function restoreIn(
  value: unknown,
  dataUris: ReadonlyMap<string, Buffer>,
  restored: (bytes: Buffer) => Buffer | string,
): void {
  if (Array.isArray(value)) {
    for (const item of value) restoreIn(item, dataUris, restored);
    return;
  }
  if (typeof value !== "object" || value === null || value instanceof Uint8Array) return;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const field = record[key];
    if (key === "url" && typeof field === "string") {
      const bytes = dataUris.get(field);
      if (bytes) record[key] = restored(bytes);
    } else {
      restoreIn(field, dataUris, restored);
    }
  }
}
