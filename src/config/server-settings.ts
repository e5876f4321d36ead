import { z } from "zod";
import { DEFAULT_IMAGE_MAX_BYTES } from "./images-settings.ts";
import { intIn, port, positiveInt } from "./kinds.ts";
import { area, setting } from "./setting.ts";

/**
 * Images a judging or reward request may carry: src/judge/request-limits.ts's MAX_IMAGES (the
 * config cannot import the judge; test/src/config/body-limit.test.ts holds the two equal).
 */
export const IMAGES_PER_REQUEST = 8;

/** Bytes of a base64 data URI's `data:image/jpeg;base64,` header and its JSON around it. */
const DATA_URI_OVERHEAD = 64;

/**
 * Bytes of the wordiest request's text: a reward request's question, reference and 16
 * candidates, 32,768 UTF-16 units each, at up to 6 JSON bytes a unit (`\uXXXX`): 3.4 MiB.
 */
const TEXT_ALLOWANCE = 4 * 1024 * 1024;

/**
 * The largest body a request needs when its images are within the image limit: every image as
 * a base64 data URI (4 bytes per 3, rounded up to a whole quantum) and the text.
 */
export function bodyLimitFor(imagesPerRequest: number, imageMaxBytes: number): number {
  const dataUri = 4 * Math.ceil(imageMaxBytes / 3) + DATA_URI_OVERHEAD;
  return imagesPerRequest * dataUri + TEXT_ALLOWANCE;
}

/** The deepest valid request, a batch: `{items:[{images:[{url}]}]}`. */
const MIN_JSON_DEPTH = 5;

/**
 * Values (array elements and object members) of the widest valid request, a `/get_reward` of
 * 16,384 items of text with scalar labels, is 49,155 (1,024 items with 8 images each: 20,484;
 * test/src/http/json-body.test.ts counts both): the least JURIST_JSON_MAX_VALUES may be.
 */
const MIN_JSON_VALUES = 50_000;

export const server = area(
  "HTTP server",
  "Where the gateway listens for HTTP, how much it accepts, how long a request may take.",
  {
    host: setting({
      env: "HOST",
      schema: z.string().min(1),
      default: "127.0.0.1",
      doc: "HTTP (and gRPC) bind address; a non-loopback address turns `JURIST_AUTH=auto` on",
    }),
    port: setting({ env: "PORT", schema: port, default: 8080, doc: "HTTP port" }),
    logLevel: setting({
      env: "JURIST_LOG_LEVEL",
      schema: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
      default: "info",
      doc: "`fatal` … `trace`, or `silent`",
    }),
    http: {
      bodyLimitBytes: setting({
        env: "JURIST_BODY_LIMIT_BYTES",
        schema: positiveInt,
        default: bodyLimitFor(IMAGES_PER_REQUEST, DEFAULT_IMAGE_MAX_BYTES),
        doc: "largest HTTP request body, bytes; larger → `413 PAYLOAD_TOO_LARGE`. The default fits the largest request the image limits allow: 8 images × (27,962,028 bytes of base64 for a 20 MiB image + 64 of data-URI header and JSON) + 4 MiB of text (a reward request's 18 texts of 32,768 UTF-16 units at up to 6 JSON bytes each) = 227,891,040 bytes (217.3 MiB). Larger bodies (a batch) are judged by this limit too; with `JURIST_IMAGE_MAX_BYTES` changed, set it to 8 × (4·⌈max/3⌉ + 64) + 4 MiB",
      }),
      jsonMaxDepth: setting({
        env: "JURIST_JSON_MAX_DEPTH",
        schema: intIn(MIN_JSON_DEPTH, 10_000),
        default: 64,
        doc: "deepest nesting of arrays and objects a JSON body may have (5–10,000: the deepest valid request, a batch, `{items:[{images:[{url}]}]}`, needs 5; a pairwise request 3); deeper → `400 INVALID_REQUEST`, refused at the byte that crosses it, before the body is parsed or even read whole",
      }),
      jsonMaxValues: setting({
        env: "JURIST_JSON_MAX_VALUES",
        schema: intIn(MIN_JSON_VALUES, 100_000_000),
        default: 100_000,
        doc: "most array elements and object members a JSON body may hold, counted as it arrives (each `[`, `{` and `,` outside strings, so an empty `[]` or `{}` counts as one) (50,000–100,000,000); more → `400 INVALID_REQUEST`, refused at the byte that crosses it, before the body is parsed. The widest valid request, a `/get_reward` of 16,384 items of text with scalar labels, holds 49,155 (1,024 items with 8 images each 20,484, a full 256-item batch 7,425, a pairwise request at most 28; labels that are JSON objects count their members); the default leaves ~2× room for fields a newer OpenRLHF may add to `/get_reward`, whose unknown keys are ignored. Without it, a body of `[{},{},…]` passes the depth check and JSON.parse builds millions of objects (21 MB: 2.9 s and 636 MB) before the schema refuses it",
      }),
      requestTimeoutMs: setting({
        env: "JURIST_REQUEST_TIMEOUT_MS",
        schema: positiveInt,
        default: 60_000,
        doc: "deadline for one HTTP judging request end to end, ms; past it → `504 UPSTREAM_TIMEOUT`",
      }),
      headersTimeoutMs: setting({
        env: "JURIST_HEADERS_TIMEOUT_MS",
        schema: positiveInt,
        default: 10_000,
        doc: "longest a client may take to send a request's headers, counted from its first byte (from connecting, for the first request), ms; past it → `408 REQUEST_TIMEOUT` and the connection closes. Checked every second (every quarter of the shorter timeout, if less)",
      }),
      bodyTimeoutMs: setting({
        env: "JURIST_BODY_TIMEOUT_MS",
        schema: positiveInt,
        default: 30_000,
        doc: "longest a client may take to send a whole request, headers and body, ms; past it → `408 REQUEST_TIMEOUT` and the connection closes. A total, not an idle gap: a body at the body limit must arrive at `JURIST_BODY_LIMIT_BYTES` / this, or faster (the 217.3 MiB default in 30 s: 7.6 MB/s; a request of a few megabytes of images, well under 1 MB/s). Raise it for callers that upload large data-URI images over slow links (or have them send image URLs); a slow client holds a socket and its buffered body this long. Set below the headers timeout, the headers timeout bounds the whole request",
      }),
    },
  },
);
