import type { Metadata } from "@grpc/grpc-js";
import type { Principal } from "../auth/authenticator.ts";
import { type RateLimiter, rateKey } from "../auth/rate-limiter.ts";
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
export function peerAddress(peer: string): string {
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
