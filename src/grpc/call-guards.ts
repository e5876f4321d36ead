import type { Metadata } from "@grpc/grpc-js";
import type { Principal } from "../auth/authenticator.ts";
import { type RateLimiter, rateKey } from "../auth/rate-limiter.ts";
import type { InflightBytes, Reservation } from "../core/inflight-bytes.ts";
import type { ShedReason } from "../metrics/metrics.ts";
import { type LoadPressure, shedError } from "../runtime/load-pressure.ts";
import { type CallAuthOptions, callPrincipal } from "./call-auth.ts";

/** What guards every gRPC call that spends replica time, as HTTP's judging guards do. */
export interface CallGuardOptions {
  auth: CallAuthOptions;
  /** The per-key budget of verdicts per minute, shared with HTTP. */
  limiter: RateLimiter;
  /** The process's pressure reading, shared with HTTP. */
  pressure: Pick<LoadPressure, "reason">;
  /** Aborted when the server begins to drain: judging calls are refused from then on. */
  draining: AbortSignal;
  /** Counts a shed call (`jurist_shed_requests_total`, as HTTP's). */
  onShed(reason: ShedReason): void;
  /** The process's in-flight byte budget, shared with HTTP's bodies. */
  inflight: InflightBytes;
}

/**
 * What a received message costs while it is judged, per byte: the bytes grpc-js read and the
 * strings protobuf-es decoded from them, as HTTP counts a body and its parsed JSON.
 */
const MESSAGE_COST_PER_BYTE = 2;

/**
 * Holds `message`'s bytes against the in-flight budget (its images' decoded bytes are added to
 * the same reservation as they are decoded), or throws OVERLOADED (UNAVAILABLE, retry-after 1),
 * counted as shed for `memory`. grpc-js has read the message by now, so this cannot refuse
 * before reading as HTTP does by Content-Length; it keeps what gRPC holds visible to HTTP's
 * admissions and stops the images of a message that did not fit from being decoded too.
 */
export function holdMessage(options: CallGuardOptions, receivedBytes: number): Reservation {
  return options.inflight.reserve(receivedBytes * MESSAGE_COST_PER_BYTE);
}

/** A call let in: who it is, and how to charge it more verdicts. */
export interface AdmittedCall {
  principal: Principal;
  /**
   * Spends `verdicts` more of the key's budget (of `requested` in all, for the message);
   * throws RATE_LIMITED (or STORE_UNAVAILABLE).
   */
  charge(verdicts: number, requested?: number): Promise<void>;
}

/**
 * The address part of grpc-js's `getPeer()` (`host:port`, `::1:port` for IPv6): the client
 * address a call without a key is counted under, as HTTP counts `request.ip`.
 */
function peerAddress(peer: string): string {
  return peer.replace(/:\d+$/, "");
}

/**
 * Throws OVERLOADED (UNAVAILABLE, retry-after 1) when judging work is shed now: the server is
 * draining, or the process is under pressure. Counted in the shed metric.
 */
export function refuseIfShedding(options: CallGuardOptions, draining = true): void {
  const reason = draining && options.draining.aborted ? "draining" : options.pressure.reason();
  if (reason === null) return;
  options.onShed(reason);
  throw shedError(reason);
}

/**
 * Lets a judging call in, cheapest refusal first, as HTTP does: shedding, then the key and
 * its `judge` scope, then one verdict of the key's rate limit (RESOURCE_EXHAUSTED with
 * `retry-after` over it). A call asking for more verdicts charges the rest once it has read
 * its request.
 */
export async function admitCall(
  call: { metadata: Metadata; peer: string },
  options: CallGuardOptions,
  firstVerdicts = 1,
): Promise<AdmittedCall> {
  refuseIfShedding(options);
  const principal = await callPrincipal(call.metadata, options.auth, "judge");
  const key = rateKey(principal, peerAddress(call.peer));
  const charge = async (verdicts: number, requested?: number) => {
    await options.limiter.take(key, verdicts, requested);
  };
  await charge(firstVerdicts);
  return { principal, charge };
}
