import fc from "fast-check";
import { validPairwiseBody } from "../../../helpers/fixtures.ts";

/**
 * Requests of the fuzz that no HTTP client library sends, written on a socket of their own:
 * uploads the client abandons part-way (at any moment, from before its headers are read to the
 * middle of its body), an `Expect` the server does not meet, and requests without `Host`.
 * `abort`: the client closes the socket after `chunks` and reads no answer; otherwise it reads
 * until the server closes the connection (every such request asks it to).
 */
export interface RawCase {
  family: string;
  /** What is written, in order; a number is a pause of that many ms. */
  chunks: (string | number)[];
  abort: boolean;
}

const BODY_PATHS = [
  "/v1/judge/pairwise",
  "/v1/judge/batch",
  "/v1/reward",
  "/get_reward",
  "/v1/admin/promote",
  "/v1/admin/rollback",
  "/v1/admin/checkpoints",
];

const body = JSON.stringify({ ...validPairwiseBody(), cache: false, collect: false });

/** Keys a client may present: none, or one the key store must look up (and refuse). */
const credentials = fc.constantFrom("", "", "Authorization: Bearer jk_fuzz_not_a_key\r\n");

/**
 * An upload abandoned part-way: headers declaring a body (up to 10 MB: reserved from
 * Content-Length by the judging routes), some of it, a pause, and the socket closed.
 */
const abortedUpload: fc.Arbitrary<RawCase> = fc
  .record({
    path: fc.constantFrom(...BODY_PATHS),
    declared: fc.constantFrom(body.length, 100_000, 10_000_000),
    sent: fc.integer({ min: 0, max: body.length }),
    pauseMs: fc.constantFrom(0, 0, 1, 5, 20),
    credentials,
  })
  .map(({ path, declared, sent, pauseMs, credentials }) => ({
    family: "aborted-upload",
    chunks: [
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `${credentials}Content-Length: ${declared}\r\n\r\n`,
      pauseMs,
      body.slice(0, sent),
    ],
    abort: true,
  }));

/** An `Expect` other than 100-continue: 417 EXPECTATION_FAILED, with or without a body. */
const unmetExpectation: fc.Arbitrary<RawCase> = fc
  .record({
    path: fc.constantFrom(...BODY_PATHS, "/healthz"),
    expect: fc.constantFrom("foo", "101-continue", "200-ok", "", "  ", "\u00e9t\u00e9"),
  })
  .map(({ path, expect }) => ({
    family: "unmet-expectation",
    chunks: [
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Expect: ${expect}\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    ],
    abort: false,
  }));

/** No Host: HTTP/1.1 must name one (400 INVALID_REQUEST); HTTP/1.0 need not. */
const missingHost: fc.Arbitrary<RawCase> = fc
  .record({
    version: fc.constantFrom("1.1", "1.1", "1.0"),
    request: fc.constantFrom(
      "GET /healthz",
      "GET /v1/models",
      "GET /v1/admin/checkpoints",
      "POST /v1/admin/rollback",
      "POST /v1/judge/pairwise",
      "GET /nowhere",
    ),
  })
  .map(({ version, request }) => ({
    family: "missing-host",
    chunks: [
      `${request} HTTP/${version}\r\nContent-Type: application/json\r\nConnection: close\r\n` +
        (request.startsWith("POST") ? `Content-Length: ${body.length}\r\n\r\n${body}` : "\r\n"),
    ],
    abort: false,
  }));

export const rawCase: fc.Arbitrary<RawCase> = fc.oneof(
  { weight: 3, arbitrary: abortedUpload },
  { weight: 1, arbitrary: unmetExpectation },
  { weight: 1, arbitrary: missingHost },
);
