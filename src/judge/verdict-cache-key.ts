import { createHash } from "node:crypto";
import type { JudgeMode } from "../core/types.ts";
import type { Verdict } from "./verdict.ts";

/** What identifies a verdict for caching. */
export interface CacheKeyInput {
  checkpoint: string;
  template: string;
  mode: JudgeMode;
  swap: boolean;
  seed: number | undefined;
  question: string;
  rubric: string | undefined;
  imageHashes: readonly string[];
  responses: readonly [string, string];
}

/** A cache key, and whether the caller's responses are in the reverse of canonical order. */
export interface CacheKey {
  key: string;
  swapped: boolean;
}

/**
 * Version of the cached record (see cached-verdicts.ts). Bump it when `Verdict` changes shape.
 * It is part of every key, so gateways of different versions sharing a Redis cache during a
 * rollout never read each other's entries, whichever side is older.
 */
export const VERDICT_RECORD_VERSION = 1;

const digest = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * The cache key of a verdict. With `swap` on, the two responses are put in a canonical order
 * (by their hashes), so a request with A and B exchanged finds the same entry and is mapped
 * back; with `swap` off the order is part of what was judged and stays as given.
 */
export function verdictCacheKey(input: CacheKeyInput): CacheKey {
  const [a, b] = input.responses;
  const swapped = input.swap && digest(a) > digest(b);
  const responses = swapped ? [b, a] : [a, b];
  const parts = [
    VERDICT_RECORD_VERSION,
    input.checkpoint,
    input.template,
    input.mode,
    input.swap,
    input.seed ?? null,
    input.question,
    input.rubric ?? null,
    input.imageHashes,
    responses,
  ];
  return { key: digest(JSON.stringify(parts)), swapped };
}

const flip = (winner: "A" | "B" | null): "A" | "B" | null =>
  winner === "A" ? "B" : winner === "B" ? "A" : null;

/**
 * The same verdict seen with the responses exchanged: winners flip, P(A) becomes 1 − P(A),
 * and each order's label swaps (the caller's `AB` order is the other caller's `BA`).
 */
export function exchangeResponses(verdict: Verdict): Verdict {
  const orders = verdict.orders
    .map((order) => ({
      ...order,
      order: order.order === "AB" ? ("BA" as const) : ("AB" as const),
      winner: flip(order.winner),
      probabilityA: order.probabilityA === null ? null : 1 - order.probabilityA,
    }))
    .sort((x, y) => x.order.localeCompare(y.order));
  const callerOrder = orders.find((o) => o.order === "AB" && o.outcome === "ok");
  return {
    ...verdict,
    winner: verdict.winner === "tie" ? "tie" : flip(verdict.winner),
    probabilityA: verdict.probabilityA === null ? null : 1 - verdict.probabilityA,
    orders,
    reasoning: callerOrder?.reasoning ?? verdict.reasoning,
  };
}
