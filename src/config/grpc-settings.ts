import { intIn, port, positiveInt } from "./kinds.ts";
import { area, setting } from "./setting.ts";

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
        shownDefault: "`JURIST_BODY_LIMIT_BYTES`",
        doc: "largest gRPC message received, bytes; larger → `RESOURCE_EXHAUSTED`; unset → HTTP's body limit",
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
