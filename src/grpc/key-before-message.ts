import { ServerInterceptingCall, type ServerInterceptor } from "@grpc/grpc-js";
import { type AuthPolicy, routeNeedsKey } from "../auth/auth-policy.ts";
import { type AppError, toAppError } from "../core/errors.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { authenticateCall } from "./call-auth.ts";
import { Health } from "./gen/grpc/health/v1/health_pb.ts";
import { JudgeService } from "./gen/jurist/v1/judge_pb.ts";
import { grpcErrorStatus } from "./grpc-errors.ts";
import { recordCall } from "./unary-handler.ts";

/** Who may call without a key, as the handlers decide it: the runtime's policy. */
type KeyPolicy = Pick<AuthPolicy, "authenticator" | "required" | "publicRoutes">;

const LIST_MODELS = `/${JudgeService.typeName}/${JudgeService.method.listModels.name}`;
const HEALTH = `/${Health.typeName}/`;

/**
 * Whether a call to `path` needs a key under `policy`: health never (probes carry none),
 * `ListModels` unless `JURIST_PUBLIC_ROUTES` lists `models` (as `GET /v1/models`), every other
 * method whenever keys are required.
 */
function callNeedsKey(path: string, policy: Pick<KeyPolicy, "required" | "publicRoutes">) {
  if (path.startsWith(HEALTH)) return false;
  if (path === LIST_MODELS) return routeNeedsKey(policy, "models");
  return policy.required;
}

/**
 * A grpc-js server interceptor that refuses a call needing a key, and carrying no valid one,
 * before its message is read: UNAUTHENTICATED (or STORE_UNAVAILABLE when keys cannot be
 * checked) with the catalogue's trailers, counted in the request metrics.
 *
 * grpc-js reads a call's message, and runs the deserializer on it, only once the handler
 * asks (`startRead`, which `handleUnary` and a stream's `_read` call after the metadata
 * reached the handler; the HTTP/2 stream is paused until then: @grpc/grpc-js 1.14.7
 * build/src/server.js and server-interceptors.js). Holding the metadata back until the key
 * is checked keeps an unauthenticated caller from making the server read or decode anything.
 * The handlers still check the key's scope (`admitCall`, `callPrincipal`), with the principal
 * found here rather than a second lookup.
 */
export function keyBeforeMessageInterceptor(
  policy: KeyPolicy,
  metrics: Metrics["grpc"],
): ServerInterceptor {
  return (method, next) => {
    if (!callNeedsKey(method.path, policy)) return new ServerInterceptingCall(next);
    const started = performance.now();
    const call: ServerInterceptingCall = new ServerInterceptingCall(next, {
      start: (startNext) =>
        startNext({
          onReceiveMetadata(metadata, forward) {
            authenticateCall(metadata, policy.authenticator).then(
              () => forward(metadata),
              (thrown: unknown) => refuse(toAppError(thrown)),
            );
          },
        }),
    });
    const refuse = (error: AppError) => {
      const sent = grpcErrorStatus(error);
      recordCall(metrics, method.path, sent.code, started);
      call.sendStatus(sent);
    };
    return call;
  };
}
