import { createHash } from "node:crypto";
import { encodePng } from "../../sim/png-image.ts";
import { loadConfig } from "../../src/config/config.ts";
import { createPairwiseJudge } from "../../src/core/pairwise-judge.ts";
import type { CompletionRequest, JudgeEngine, JudgeMode } from "../../src/core/types.ts";
import { toChatBody } from "../../src/engine/completion-wire.ts";
import { choiceFieldFor } from "../../src/engine/vllm-version.ts";

/**
 * The request bodies the benchmark sends, one per request index, so no two requests share a
 * verdict (the cache misses and collection keeps every prompt) unless a scenario wants them
 * to. Every body carries the same small PNG, as a judging request always has an image.
 */

/** 32×32 pixels of deterministic noise: about 3 KB, so it does not compress to nothing. */
export const IMAGE = encodePng(32, 32, (x, y) => {
  const n = (x * 73 + y * 151 + x * y * 31) % 256;
  return [n, (n * 7) % 256, (n * 13) % 256];
});
export const IMAGE_DATA_URI = `data:image/png;base64,${IMAGE.toString("base64")}`;
export const IMAGE_BYTES = IMAGE.length;

/** The two responses every benchmark request compares. */
export const RESPONSES: [string, string] = [
  "There are three red apples in the bowl, next to a yellow banana.",
  "I can see five green apples on the table and no bowl.",
];

/** The question of request `index`: distinct per index, so each is a new verdict. */
export const question = (index: number) => `How many apples are in the bowl in picture ${index}?`;

export interface PairwiseOptions {
  mode: JudgeMode;
  swap: boolean;
  /** False sends `cache: false`: the cache-miss path without the store. Default: cache on. */
  cache?: boolean;
}

/** The pairwise request object for request `index`. */
export function pairwiseRequest(index: number, options: PairwiseOptions) {
  return {
    question: question(index),
    images: [{ url: IMAGE_DATA_URI }],
    responses: RESPONSES,
    mode: options.mode,
    swap: options.swap,
    // Seeds are 31-bit; the question already makes every index's input distinct.
    seed: index % 2 ** 31,
    ...(options.cache === false ? { cache: false } : {}),
  };
}

/** A `/v1/judge/batch` body of `size` distinct items starting at `index`. */
export function batchRequest(index: number, size: number, options: PairwiseOptions) {
  return {
    items: Array.from({ length: size }, (_, offset) =>
      pairwiseRequest(index * size + offset, options),
    ),
  };
}

/** A `/v1/reward` body: `candidates` candidates scored against a reference (K pairs). */
export function rewardRequest(index: number, candidates: number, mode: JudgeMode) {
  return {
    question: question(index),
    images: [{ url: IMAGE_DATA_URI }],
    candidates: Array.from({ length: candidates }, (_, k) => `${RESPONSES[k % 2]} (take ${k})`),
    reference: "There are three apples in the bowl.",
    method: "reference",
    mode,
  };
}

/**
 * The chat completion the gateway sends a replica for `pairwiseRequest(index)`'s first order,
 * built by the gateway's own judge core and wire code with the default configuration: the
 * body the "simulated replica called directly" and pass-through proxy baselines send.
 */
export async function directChatRequest(
  index: number,
  model: string,
  mode: JudgeMode,
): Promise<string> {
  const config = loadConfig({});
  let captured: CompletionRequest | undefined;
  // An engine that answers nothing: the core then retries, so only the first call counts.
  const engine: JudgeEngine = {
    session: () => ({
      checkpoint: model,
      replica: "capture",
      complete: async (request) => {
        captured ??= request;
        return [];
      },
    }),
  };
  const judge = createPairwiseJudge({ settings: config.judge, engine });
  await judge.judge({
    question: question(index),
    images: [
      {
        sha256: createHash("sha256").update(IMAGE).digest("hex"),
        mime: "image/png",
        dataUri: IMAGE_DATA_URI,
        byteLength: IMAGE.length,
      },
    ],
    responses: RESPONSES,
    mode,
    swap: false,
    seed: index,
  });
  if (!captured) throw new Error("the judge core made no engine call");
  // The simulator's version is no vLLM release, so `auto` sends what it would: structured_outputs.
  const field = choiceFieldFor(config.engine.structuredOutputField, null);
  return JSON.stringify(toChatBody(model, captured, field));
}
