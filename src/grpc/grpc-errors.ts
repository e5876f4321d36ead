import { toBinary } from "@bufbuild/protobuf";
import { Metadata, type StatusObject, status } from "@grpc/grpc-js";
import { type AppError, errorBody } from "../core/errors.ts";
import { ErrorSchema } from "./gen/jurist/v1/judge_pb.ts";
import { errorToProto } from "./judge-proto.ts";

/** Trailing metadata key of the stable error code (`INVALID_REQUEST`, `OVERLOADED`, …). */
export const ERROR_CODE_KEY = "jurist-error-code";
/** Trailing metadata key of the whole error as a binary `jurist.v1.Error` (with details). */
export const ERROR_BIN_KEY = "jurist-error-bin";

/** What a failed call ends with: a status, a message for people, trailers for programs. */
export type GrpcErrorStatus = Pick<StatusObject, "code" | "details" | "metadata">;

/**
 * The status a failed call ends with: the catalogue's gRPC code, the public message (5xx
 * errors carry catalogue text only, never internals) with any details spelled out, and
 * trailers `jurist-error-code`, `jurist-error-bin` and, when set, `retry-after` (seconds).
 */
export function grpcErrorStatus(error: AppError): GrpcErrorStatus {
  const body = errorBody(error).error;
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_KEY, body.code);
  const bytes = toBinary(ErrorSchema, errorToProto(body));
  metadata.set(ERROR_BIN_KEY, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  if (error.retryAfterSeconds !== undefined) {
    metadata.set("retry-after", String(error.retryAfterSeconds));
  }
  const details = (body.details ?? []).map((d) => (d.path ? `${d.path}: ${d.reason}` : d.reason));
  const message = details.length > 0 ? `${body.message}: ${details.join("; ")}` : body.message;
  return { code: error.grpcStatus as status, details: message, metadata };
}

/** The name of a status code, for metric labels (`OK`, `INVALID_ARGUMENT`, …). */
export function statusName(code: status): string {
  return status[code] ?? String(code);
}
