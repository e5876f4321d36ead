import { DEFAULT_IMAGE_MAX_BYTES } from "./images-settings.ts";
import { intIn, port, positiveInt } from "./kinds.ts";
import { IMAGES_PER_REQUEST } from "./server-settings.ts";
import { area, setting } from "./setting.ts";

/**
 * Bytes of protobuf framing around one image's bytes: the `images` entry's tag and length and
 * its `data` field's tag and length (1 + 5 + 1 + 5 at most).
 */
const IMAGE_FRAMING = 16;

/**
 * Bytes of the wordiest message's text: a RewardRequest's question, reference and 16
 * candidates, 32,768 UTF-16 units each, at up to 3 UTF-8 bytes a unit (protobuf strings are
 * UTF-8; a unit outside the BMP is half of a 4-byte character): 1.69 MiB, and the fields' tags.
 */
const PROTO_TEXT_ALLOWANCE = 2 * 1024 * 1024;

/**
 * The largest message a request needs when its images are within the image limit: every image
 * as raw bytes in `Image.data` (protobuf carries bytes as they are, not as base64), and the
 * text.
 */
export function grpcMessageLimitFor(imagesPerRequest: number, imageMaxBytes: number): number {
  return imagesPerRequest * (imageMaxBytes + IMAGE_FRAMING) + PROTO_TEXT_ALLOWANCE;
}

/** The longest a Node timer can wait, ms (2^31 − 1); grpc-js treats it as "no limit". */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * grpc-js arms `setTimeout(age ± 10%)` (server.ts, 1.14.7): an age past this plus its jitter
 * would overflow Node's timer, which then fires at once, a GOAWAY storm.
 */
const MAX_CONNECTION_AGE_MS = Math.floor(MAX_TIMER_MS / 1.1);

export const grpc = area(
  "gRPC",
  "`jurist.v1.JudgeService` and `grpc.health.v1.Health`, on `HOST` beside HTTP, with limits of their own.",
  {
    grpcPort: setting({
      env: "GRPC_PORT",
      schema: port,
      default: 50051,
      doc: "gRPC port; `0` picks a free one",
    }),
    grpc: {
      streamConcurrency: setting({
        env: "JURIST_GRPC_STREAM_CONCURRENCY",
        schema: intIn(1, 256),
        default: 16,
        doc: "items one `PairwiseStream` judges at once (1–256); at the bound the server stops reading the stream, so flow control slows the sender",
      }),
      maxMessageBytes: setting({
        env: "JURIST_GRPC_MAX_MESSAGE_BYTES",
        schema: positiveInt,
        default: grpcMessageLimitFor(IMAGES_PER_REQUEST, DEFAULT_IMAGE_MAX_BYTES),
        doc: "largest gRPC message received, bytes; larger → `RESOURCE_EXHAUSTED`, before it is read. The default fits the largest request the image limits allow, images sent as bytes (`Image.data`): 8 images × (20,971,520 bytes + 16 of protobuf framing) + 2 MiB of text (a reward request's 18 texts of 32,768 UTF-16 units at up to 3 UTF-8 bytes each) = 169,869,440 bytes (162.0 MiB). Images sent as data URIs (`Image.url`) cost 4/3 their size, so eight at the image limit do not fit (six do). With `JURIST_IMAGE_MAX_BYTES` changed, set it to 8 × (max + 16) + 2 MiB",
      }),
      maxConnectionAgeMs: setting({
        env: "JURIST_GRPC_MAX_CONNECTION_AGE_MS",
        schema: intIn(0, MAX_CONNECTION_AGE_MS),
        default: 300_000,
        doc: "a client connection older than this (±10% jitter, so connections opened together do not all close together) is sent a GOAWAY, ms: the client opens a new one for its next call, which a Kubernetes Service may place on another gateway pod, so long-lived clients spread over gateways added since they connected. Calls in flight finish on the old connection (see the grace below); grpc-js clients reconnect without failing a call. `0` = never (connections stay on the pod they first reached); at most 1,952,257,860 (past that, the jitter would overflow Node's timer)",
      }),
      maxConnectionAgeGraceMs: setting({
        env: "JURIST_GRPC_MAX_CONNECTION_AGE_GRACE_MS",
        schema: intIn(1, MAX_TIMER_MS),
        shownDefault: "none",
        doc: "how long calls in flight on a connection past its maximum age may go on after the GOAWAY before the connection is closed under them (they fail `UNAVAILABLE`), ms; unset → they finish however long they take (a `PairwiseStream` has no end of its own). Unary calls end within `JURIST_GRPC_REQUEST_TIMEOUT_MS` anyway. Ignored when the maximum age is `0`",
      }),
      requestTimeoutMs: setting({
        env: "JURIST_GRPC_REQUEST_TIMEOUT_MS",
        schema: positiveInt,
        shownDefault: "`JURIST_REQUEST_TIMEOUT_MS`",
        doc: "longest one gRPC call (each `PairwiseStream` item) may take, ms, whatever the client's deadline; past it → `DEADLINE_EXCEEDED`; unset → HTTP's request timeout",
      }),
    },
  },
);
