import { decodeBase64Into } from "../core/base64-bytes.ts";
import { AppError } from "../core/errors.ts";
import type { DataUri } from "../core/types.ts";

/** Options for {@link decodeDataUri}. */
export interface DecodeDataUriOptions {
  /** Largest decoded image accepted, in bytes; larger → PAYLOAD_TOO_LARGE. */
  maxBytes: number;
  /** Where the URI sits in the request (`images.<i>.url`), named in error details. */
  path: string;
  /**
   * Called with the decoded size once it is known and within `maxBytes`, before anything is
   * decoded: the in-flight budget's grow, which throws OVERLOADED when it does not fit.
   */
  reserve?: (bytes: number) => void;
}

/** A decoded `data:` URI. */
export interface DecodedDataUri {
  /**
   * The decoded bytes; not yet checked to be an image. Borrowed: a view of a buffer the next
   * decode overwrites (no allocation, no page faults, on the verdict path). Use them at once;
   * copy what must outlive the caller's synchronous run.
   */
  bytes: Buffer;
  /** The payload as sent: canonical base64 of `bytes`, so it can be reused without re-encoding. */
  base64: DataUri;
  /** The type the caller declared; only informative, the magic bytes decide. */
  declaredMime: string;
  /** The URI as sent: forwarded as it is when the bytes are of the declared type. */
  uri: DataUri;
}

const HEADER = /^data:(image\/(?:png|jpeg|webp|gif));base64,/;
/** Longer than any header HEADER accepts (`data:image/jpeg;base64,` is 23). */
const HEADER_PROBE = 32;

function invalid(path: string, reason: string, message: string): AppError {
  return new AppError("INVALID_REQUEST", message, { details: [{ path, reason }] });
}

function paddingOf(payload: DataUri): number {
  const last = payload.length - 1;
  const pad =
    typeof payload === "string"
      ? (at: number) => payload.charCodeAt(at) === 0x3d
      : (at: number) => payload[at] === 0x3d;
  if (last >= 1 && pad(last) && pad(last - 1)) return 2;
  return last >= 0 && pad(last) ? 1 : 0;
}

/**
 * Decoded images up to this size share one buffer, overwritten by each decode: the verdict
 * path hashes and sniffs them synchronously and keeps only the base64 it forwards. A fresh
 * buffer per image cost 30–50 page faults per 470 KB here, as V8 frees them only at GC.
 * Larger images (rare, and bounded by JURIST_IMAGE_MAX_BYTES) get a buffer of their own.
 */
const SHARED_DECODE_MAX = 8 * 1024 * 1024;
let shared = Buffer.allocUnsafeSlow(0);

function decodeTarget(bytes: number): Buffer {
  if (bytes > SHARED_DECODE_MAX) return Buffer.allocUnsafeSlow(bytes);
  if (shared.length < bytes) {
    shared = Buffer.allocUnsafeSlow(
      Math.min(SHARED_DECODE_MAX, Math.max(bytes, shared.length * 2)),
    );
  }
  return shared;
}

// Buffer's own decoder skips invalid characters (and whitespace), stops at a misplaced "=",
// accepts URL-safe "-" and "_" and missing padding. So strict base64 from a string is: a
// length that is a multiple of 4; decoding yields exactly the bytes the length and padding
// imply (a skipped or misplaced character yields fewer); no URL-safe character; and a
// canonical final quantum (non-zero trailing bits would decode to the same bytes as another
// string). From bytes, `decodeBase64Into` checks all of that as it decodes.
function strictBase64Bytes(payload: DataUri, impliedBytes: number): Buffer | null {
  const target = decodeTarget(impliedBytes);
  if (typeof payload !== "string") {
    const written = decodeBase64Into(payload, 0, payload.length, target);
    return written === impliedBytes ? target.subarray(0, written) : null;
  }
  if (payload.length % 4 !== 0) return null;
  const written = target.write(payload, 0, impliedBytes, "base64");
  if (written !== impliedBytes || payload.includes("-") || payload.includes("_")) return null;
  const last = payload.slice(-4);
  return Buffer.from(last, "base64").toString("base64") === last
    ? target.subarray(0, written)
    : null;
}

/** The header a URI starts with, read from at most its first HEADER_PROBE characters. */
function headerOf(uri: DataUri): RegExpExecArray | null {
  if (typeof uri === "string") return HEADER.exec(uri);
  const probe = Buffer.from(uri.buffer, uri.byteOffset, Math.min(uri.length, HEADER_PROBE));
  return HEADER.exec(probe.toString("latin1"));
}

/**
 * Decodes `data:image/(png|jpeg|webp|gif);base64,<payload>` with strict base64, from a string
 * or from the bytes of its text (an HTTP body's slice: decoded without becoming a string).
 *
 * Throws AppError INVALID_REQUEST (reason `invalid_data_uri` or `invalid_base64`) for any
 * other shape, and PAYLOAD_TOO_LARGE (reason `too_large`) when the decoded size exceeds
 * `maxBytes` — judged from the payload length before anything is decoded.
 */
export function decodeDataUri(uri: DataUri, options: DecodeDataUriOptions): DecodedDataUri {
  const { maxBytes, path } = options;
  const header = headerOf(uri);
  if (!header) {
    throw invalid(
      path,
      "invalid_data_uri",
      `${path} must be data:image/(png|jpeg|webp|gif);base64,<payload>`,
    );
  }
  const base64 =
    typeof uri === "string" ? uri.slice(header[0].length) : uri.subarray(header[0].length);
  const impliedBytes = Math.floor((base64.length * 3) / 4) - paddingOf(base64);
  if (impliedBytes > maxBytes) {
    throw new AppError("PAYLOAD_TOO_LARGE", `${path} is larger than ${maxBytes} bytes`, {
      details: [{ path, reason: "too_large" }],
    });
  }
  // "=" or "==" alone imply -1 bytes: the -1 the decoder answers for "not base64" would match
  // it, and the shared buffer's last contents (another request's image) pass for this one.
  if (impliedBytes < 0) throw invalid(path, "invalid_base64", `${path} is not valid base64`);
  options.reserve?.(impliedBytes);
  const bytes = strictBase64Bytes(base64, impliedBytes);
  if (!bytes) throw invalid(path, "invalid_base64", `${path} is not valid base64`);
  return { bytes, base64, declaredMime: header[1]!, uri };
}
