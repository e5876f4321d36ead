import { setMaxListeners } from "node:events";
import { create } from "@bufbuild/protobuf";
import { type handleBidiStreamingCall, status } from "@grpc/grpc-js";
import { AppError, errorBody, toAppError } from "../core/errors.ts";
import { type LinkedSignal, linkSignals } from "../core/signals.ts";
import type { PriorityClass } from "../core/types.ts";
import type { JudgeService } from "../judge/judge-service.ts";
import { checkPairwiseRequest } from "../judge/pairwise-checks.ts";
import {
  type AdmittedCall,
  admitCall,
  type CallGuardOptions,
  holdMessage,
  refuseIfShedding,
} from "./call-guards.ts";
import { callPriority } from "./call-priority.ts";
import {
  type PairwiseStreamRequest,
  type PairwiseStreamResponse,
  PairwiseStreamResponseSchema,
} from "./gen/jurist/v1/judge_pb.ts";
import { grpcErrorStatus } from "./grpc-errors.ts";
import { callSignal } from "./grpc-signal.ts";
import { errorToProto, pairwiseRequestFromProto, verdictToProto } from "./judge-proto.ts";
import { malformedError } from "./malformed-input.ts";
import { MalformedMessage, receivedBytes } from "./service-definition.ts";
import { logFault, type RpcOptions, recordCall } from "./unary-handler.ts";

export interface PairwiseStreamOptions {
  service: Pick<JudgeService, "pairwise">;
  /**
   * Shedding, auth and rate limits. A stream is shed or refused its key as a whole when it
   * opens; each item then costs one verdict and is shed on its own while the process is under
   * pressure. `draining` aborting makes each stream stop reading, answer what it has in
   * flight and end with UNAVAILABLE (`OVERLOADED`); items it had not read are unanswered.
   */
  guards: CallGuardOptions;
  /** Items one stream judges at once; at the bound the stream is not read. */
  concurrency: number;
  /** `timeoutMs` applies to each item; the stream itself lives until its deadline, if any. */
  rpc: RpcOptions;
}

const MAX_ID_CHARS = 256;

type Item = PairwiseStreamRequest;
/** What grpc-js hands the handler: an item, or bytes that did not decode as one. */
type Read = Item | MalformedMessage;
type Answer = PairwiseStreamResponse;

function itemError(id: string, error: AppError): Answer {
  return create(PairwiseStreamResponseSchema, {
    id,
    result: { case: "error", value: errorToProto(errorBody(error).error) },
  });
}

function checkId(id: string): void {
  if (id.length >= 1 && id.length <= MAX_ID_CHARS) return;
  throw new AppError("INVALID_REQUEST", `id must be 1 to ${MAX_ID_CHARS} characters`, {
    details: [{ path: "id", reason: `must be 1 to ${MAX_ID_CHARS} characters` }],
  });
}

function duplicateId(id: string): AppError {
  return new AppError("INVALID_REQUEST", `id '${id}' is already in flight on this stream`, {
    details: [{ path: "id", reason: "already in flight: wait for its answer before reusing it" }],
  });
}

/** An item's own signal: the stream's, plus the per-item time limit. */
function itemSignal(stream: AbortSignal, timeoutMs: number): LinkedSignal {
  return linkSignals(stream).expireAfter(
    timeoutMs,
    () => new AppError("UPSTREAM_TIMEOUT", `no verdict within ${timeoutMs} ms`),
  );
}

/**
 * The PairwiseStream handler. Each item is validated and judged on its own and answered with
 * its id as soon as it is ready (a verdict or an error: one bad item never ends the stream).
 * Each item costs one verdict of the key's rate limit (over it: a `RATE_LIMITED` answer for
 * that item) and is shed (`OVERLOADED`) while the process is under pressure; an item whose id
 * is already in flight on the stream gets `INVALID_REQUEST`; bytes that do not decode as an
 * item get `INVALID_REQUEST` under the id "". At most `concurrency` items are in flight per
 * stream: at the bound, or while the client is not reading answers, the handler stops reading
 * the stream, so grpc-js stops reading the HTTP/2 stream and flow control slows the sender —
 * the server never holds more than the bound plus grpc-js's small read buffer. Cancel or
 * deadline abort every item in flight.
 */
export function pairwiseStreamHandler(
  options: PairwiseStreamOptions,
): handleBidiStreamingCall<Item, Answer> {
  const { rpc, guards } = options;
  const { draining } = guards;
  return (call) => {
    const started = performance.now();
    const method = call.getPath();
    const stream = callSignal(call, { shutdown: rpc.shutdown });
    // Each item in flight listens on it: up to `concurrency` listeners, released as they end.
    setMaxListeners(0, stream.signal);
    let admitted: AdmittedCall | undefined;
    let priority: PriorityClass = "interactive";
    let reading = false;
    let inFlight = 0;
    // Ids of the items in flight: bounded by `concurrency`, freed once answered.
    const inFlightIds = new Set<string>();
    let readEnded = false;
    let writeBlocked = false;
    let closed = false;

    const close = (code: status, error?: AppError) => {
      if (closed) return;
      closed = true;
      stream.release();
      draining.removeEventListener("abort", onDrain);
      call.pause();
      recordCall(rpc.metrics, method, code, started);
      if (call.cancelled) return;
      if (error) call.emit("error", grpcErrorStatus(error));
      else call.end();
    };

    const maybeFinish = () => {
      if (!closed && inFlight === 0 && (readEnded || draining.aborted)) {
        if (readEnded) close(status.OK);
        else close(status.UNAVAILABLE, shuttingDown());
      }
    };

    const flow = () => {
      if (closed || !reading) return;
      const hold = inFlight >= options.concurrency || writeBlocked || draining.aborted;
      if (hold) call.pause();
      else call.resume();
    };

    const judge = async (item: Item, caller: AdmittedCall, signal: AbortSignal) => {
      // Shed and counted before it is read further, as HTTP sheds and counts a request.
      refuseIfShedding(guards, false);
      await caller.charge(1);
      if (!item.request) throw new AppError("INVALID_REQUEST", "request is required");
      const inflight = holdMessage(guards, receivedBytes(item));
      try {
        const request = checkPairwiseRequest(pairwiseRequestFromProto(item.request));
        const context = { signal, tenant: caller.principal.tenant, priority, inflight };
        return await options.service.pairwise(request, context);
      } finally {
        inflight.release();
      }
    };

    const answer = async (item: Item, duplicate: boolean): Promise<Answer> => {
      const own = itemSignal(stream.signal, rpc.timeoutMs);
      try {
        checkId(item.id);
        if (duplicate) throw duplicateId(item.id);
        const verdict = await judge(item, admitted!, own.signal);
        return create(PairwiseStreamResponseSchema, {
          id: item.id,
          result: { case: "verdict", value: verdictToProto(verdict) },
        });
      } catch (thrown) {
        const error = toAppError(thrown);
        if (!stream.signal.aborted) logFault(rpc.logger, error, method);
        return itemError(item.id, error);
      } finally {
        own.dispose();
      }
    };

    const write = (response: Answer) => {
      if (closed || call.cancelled) return;
      // One "drain" listener per backlog, however many writes join it.
      if (call.write(response) || writeBlocked) return;
      writeBlocked = true;
      call.once("drain", () => {
        writeBlocked = false;
        flow();
      });
    };

    const onItem = (read: Read) => {
      if (closed) return;
      inFlight++;
      rpc.metrics.streamInFlight.inc();
      rpc.metrics.streamConcurrency.observe(inFlight);
      flow();
      // Claimed as it is read, so a second item with the same id is a duplicate even when
      // both arrive in one chunk.
      const id = read instanceof MalformedMessage ? undefined : read.id;
      const duplicate = id !== undefined && inFlightIds.has(id);
      const claimed = id !== undefined && !duplicate;
      if (claimed) inFlightIds.add(id);
      const answered =
        read instanceof MalformedMessage
          ? Promise.resolve(itemError("", malformedError(read)))
          : answer(read, duplicate);
      void answered.then(write).finally(() => {
        if (claimed) inFlightIds.delete(id);
        inFlight--;
        rpc.metrics.streamInFlight.dec();
        flow();
        maybeFinish();
      });
    };

    const onDrain = () => {
      flow();
      maybeFinish();
    };

    stream.signal.addEventListener("abort", () => {
      const reason = stream.signal.reason;
      const error = reason instanceof AppError ? reason : shuttingDown();
      if (!call.cancelled) close(error.grpcStatus, error);
      else close(error.code === "UPSTREAM_TIMEOUT" ? status.DEADLINE_EXCEEDED : status.CANCELLED);
    });
    draining.addEventListener("abort", onDrain, { once: true });
    // Shedding and the key are checked once per stream; the class is read once, after
    // authentication: every item shares them. Items are charged one verdict each.
    const admission = admitCall({ metadata: call.metadata, peer: call.getPeer() }, guards, 0).then(
      (caller) => ({ caller, priority: callPriority(call.metadata, "interactive") }),
    );
    admission.then(
      ({ caller, priority: named }) => {
        if (closed) return;
        admitted = caller;
        priority = named;
        reading = true;
        call.on("data", onItem);
        call.once("end", () => {
          readEnded = true;
          maybeFinish();
        });
        onDrain();
      },
      (thrown: unknown) => {
        const error = toAppError(thrown);
        logFault(rpc.logger, error, method);
        close(error.grpcStatus, error);
      },
    );
  };
}

function shuttingDown(): AppError {
  return new AppError("OVERLOADED", "the server is shutting down; retry unanswered items", {
    retryAfterSeconds: 1,
  });
}
