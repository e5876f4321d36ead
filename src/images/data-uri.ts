import { AppError } from "../core/errors.ts";

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
  /** The decoded bytes; not yet checked to be an image. */
  bytes: Buffer;
  /** The payload as sent: canonical base64 of `bytes`, so it can be reused without re-encoding. */
  base64: string;
  /** The type the caller declared; only informative, the magic bytes decide. */
  declaredMime: string;
  /** The URI as sent: forwarded as it is when the bytes are of the declared type. */
  uri: string;
}

const HEADER = /^data:(image\/(?:png|jpeg|webp|gif));base64,/;

function invalid(path: string, reason: string, message: string): AppError {
  return new AppError("INVALID_REQUEST", message, { details: [{ path, reason }] });
}

function paddingOf(payload: string): number {
  if (payload.endsWith("==")) return 2;
  return payload.endsWith("=") ? 1 : 0;
}

// Buffer.from(…, "base64") skips invalid characters (and whitespace), stops at a misplaced
// "=", accepts URL-safe "-" and "_" and missing padding. So strict base64 is: a length that is
// a multiple of 4; decoding yields exactly the bytes the length and padding imply (a skipped or
// misplaced character yields fewer); no URL-safe character; and a canonical final quantum
// (non-zero trailing bits would decode to the same bytes as another string). One decode and
// two native scans: a character-class regex over the payload cost more than the decode.
function strictBase64Bytes(payload: string, impliedBytes: number): Buffer | null {
  if (payload.length % 4 !== 0) return null;
  const bytes = Buffer.from(payload, "base64");
  if (bytes.length !== impliedBytes || payload.includes("-") || payload.includes("_")) {
    return null;
  }
  const last = payload.slice(-4);
  return Buffer.from(last, "base64").toString("base64") === last ? bytes : null;
}

/**
 * Decodes `data:image/(png|jpeg|webp|gif);base64,<payload>` with strict base64.
 *
 * Throws AppError INVALID_REQUEST (reason `invalid_data_uri` or `invalid_base64`) for any
 * other shape, and PAYLOAD_TOO_LARGE (reason `too_large`) when the decoded size exceeds
 * `maxBytes` — judged from the payload length before anything is decoded.
 */
export function decodeDataUri(uri: string, options: DecodeDataUriOptions): DecodedDataUri {
  const { maxBytes, path } = options;
  const header = HEADER.exec(uri);
  if (!header) {
    throw invalid(
      path,
      "invalid_data_uri",
      `${path} must be data:image/(png|jpeg|webp|gif);base64,<payload>`,
    );
  }
  const base64 = uri.slice(header[0].length);
  const impliedBytes = Math.floor((base64.length * 3) / 4) - paddingOf(base64);
  if (impliedBytes > maxBytes) {
    throw new AppError("PAYLOAD_TOO_LARGE", `${path} is larger than ${maxBytes} bytes`, {
      details: [{ path, reason: "too_large" }],
    });
  }
  options.reserve?.(impliedBytes);
  const bytes = strictBase64Bytes(base64, impliedBytes);
  if (!bytes) throw invalid(path, "invalid_base64", `${path} is not valid base64`);
  return { bytes, base64, declaredMime: header[1]!, uri };
}
