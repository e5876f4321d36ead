import { ServerInterceptingCall, type ServerInterceptor, status } from "@grpc/grpc-js";
import { AppError } from "../core/errors.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { grpcErrorStatus } from "./grpc-errors.ts";
import { MalformedMessage } from "./service-definition.ts";
import { recordCall } from "./unary-handler.ts";

/** The refusal of a request message that did not decode, or was refused before decoding. */
export function malformedError(message: MalformedMessage): AppError {
  const { typeName, reason, path } = message;
  return path === undefined
    ? new AppError(
        "INVALID_REQUEST",
        `the request is not a valid ${typeName} message (protobuf binary)`,
        { details: [{ reason }] },
      )
    : new AppError("INVALID_REQUEST", `the ${typeName} message is over a limit`, {
        details: [{ path, reason }],
      });
}

function messageCountError(received: "none" | "more than one"): AppError {
  // "None" includes a message cut short: grpc-js holds a partial frame until the stream ends.
  const what = received === "none" ? "no complete message arrived" : "more than one arrived";
  return new AppError("INVALID_REQUEST", `this method takes exactly one request message; ${what}`);
}

/**
 * A grpc-js server interceptor giving calls with one request message (unary and
 * server-streaming) INVALID_ARGUMENT with `jurist-error-code: INVALID_REQUEST`, counted in the
 * request metrics, where grpc-js would answer by itself:
 *
 * - a message that does not decode (`servedDefinition` hands it on as a `MalformedMessage`;
 *   a throwing deserializer would be INTERNAL);
 * - no message before the client half-closes, or a second one (grpc-js's `handleUnary` answers
 *   UNIMPLEMENTED "…no request message for server streaming method…").
 *
 * Read from @grpc/grpc-js 1.14.7, build/src/server.js (`handleUnary`,
 * `handleServerStreaming`) and build/src/server-interceptors.js. Streaming requests pass
 * through: their handler answers a malformed item on the stream and goes on.
 */
export function malformedInputInterceptor(metrics: Metrics["grpc"]): ServerInterceptor {
  return (method, next) => {
    if (method.requestStream) return new ServerInterceptingCall(next);
    const started = performance.now();
    let messages = 0;
    let refused = false;
    const call: ServerInterceptingCall = new ServerInterceptingCall(next, {
      start: (startNext) =>
        startNext({
          onReceiveMessage(message, forward) {
            if (refused) return;
            messages++;
            if (message instanceof MalformedMessage) return refuse(malformedError(message));
            if (messages > 1) return refuse(messageCountError("more than one"));
            forward(message);
          },
          onReceiveHalfClose(forward) {
            if (refused) return;
            if (messages === 0) return refuse(messageCountError("none"));
            forward();
          },
        }),
    });
    const refuse = (error: AppError) => {
      refused = true;
      recordCall(metrics, method.path, status.INVALID_ARGUMENT, started);
      call.sendStatus(grpcErrorStatus(error));
    };
    return call;
  };
}
