import { PAIRWISE_MARKERS } from "../../../src/core/pairwise-template.ts";
import type {
  Completion,
  CompletionRequest,
  EngineSession,
  JudgeEngine,
  Order,
  Slot,
  TokenLogprob,
} from "../../../src/core/types.ts";
import { MASKED_LOGPROB } from "../../../src/core/verdict-probability.ts";
import { QWEN_EOS, splitCharacter } from "./vllm-logprob-tokens.ts";

/** The caller's responses every scripted task uses, so a request reveals its order. */
export const RESPONSES: [string, string] = ["first response", "second response"];

/** One recorded `complete` call. */
export interface RecordedCall {
  session: number;
  order: Order;
  request: CompletionRequest;
  signal: AbortSignal | undefined;
}

/** Answers one call; the nth call of this order is `attempt` (0 first, 1 retry). */
export type Script = (call: {
  order: Order;
  attempt: number;
  request: CompletionRequest;
}) => Completion | Promise<Completion>;

/**
 * An in-memory JudgeEngine: every session records its calls and answers from `script`.
 * Each call yields to the event loop before answering, so `maxInFlight` shows concurrency.
 */
export function createScriptedEngine(script: Script) {
  const calls: RecordedCall[] = [];
  const sessions: (string | undefined)[] = [];
  const attempts = new Map<Order, number>();
  let inFlight = 0;
  let maxInFlight = 0;

  function session(checkpoint: string | undefined): EngineSession {
    const id = sessions.push(checkpoint) - 1;
    return {
      checkpoint: checkpoint ?? "ckpt_champion",
      replica: "replica-1",
      async complete(request, signal) {
        const order = orderOf(request);
        const attempt = attempts.get(order) ?? 0;
        attempts.set(order, attempt + 1);
        calls.push({ session: id, order, request, signal });
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          await new Promise((resolve) => setImmediate(resolve));
          return [await script({ order, attempt, request })];
        } finally {
          inFlight -= 1;
        }
      },
    };
  }

  const engine: JudgeEngine = { session };
  return { engine, calls, sessions, maxInFlight: () => maxInFlight };
}

/** Which order a rendered request is: `AB` when the caller's first response is in slot A. */
export function orderOf(request: CompletionRequest): Order {
  const user = request.messages.find((m) => m.role === "user");
  const parts = typeof user?.content === "string" ? [] : (user?.content ?? []);
  const text = parts.map((p) => (p.type === "text" ? p.text : "")).join("");
  const slotA = text.split(PAIRWISE_MARKERS.startA)[1]?.split(PAIRWISE_MARKERS.endA)[0] ?? "";
  return slotA.includes(RESPONSES[0]) ? "AB" : "BA";
}

/** A reasoned completion ending in `[[slot]]`, tokenised so the letter is its own token. */
export function reasonedCompletion(slot: Slot, slotProbabilityA: number): Completion {
  const reasoning = `Assistant ${slot} describes the image better.`;
  const tokens: TokenLogprob[] = [
    plain(`${reasoning}\n\n`),
    plain("[["),
    letter(slot, slotProbabilityA),
    plain("]]"),
  ];
  return { text: tokens.map((t) => t.token).join(""), tokens, finishReason: "stop" };
}

/**
 * `reasonedCompletion` with its tokens as real vLLM lists them (vllm-logprob-tokens.ts cites
 * the vLLM source): the reasoning, with a marker of its own, is in the tokens but not in the
 * text (a reasoning parser); a 3-byte character comes back as three "�" tokens; the stop
 * token's text is appended.
 */
export function vllmReasonedCompletion(slot: Slot, slotProbabilityA: number): Completion {
  const other: Slot = slot === "A" ? "B" : "A";
  const tokens: TokenLogprob[] = [
    ...["<think>", "Perhaps", " [["].map(plain),
    letter(other, 0.5),
    ...["]]", "?", "</think>", "\n\n", "Assistant", ` ${slot}`, " names", " the", " "].map(plain),
    ...splitCharacter("猫", "replacement").map(plain),
    ...[".\n\n", "[["].map(plain),
    letter(slot, slotProbabilityA),
    ...["]]", QWEN_EOS].map(plain),
  ];
  return { text: `Assistant ${slot} names the 猫.\n\n[[${slot}]]`, tokens, finishReason: "stop" };
}

/**
 * `fastCompletion` as vLLM answers a constrained choice: the other tokens masked by the
 * grammar come back at -9999.0 (chat_completion/serving.py `_get_top_logprobs`).
 */
export function vllmFastCompletion(slot: Slot, slotProbabilityA: number): Completion {
  const token = letter(slot, slotProbabilityA);
  const masked = [" A", "a", " B", "b", "The"].map((t) => ({ token: t, logprob: MASKED_LOGPROB }));
  return {
    text: slot,
    tokens: [{ ...token, top: [...token.top, ...masked] }],
    finishReason: "length",
  };
}

/** A fast-mode completion: the single letter token. */
export function fastCompletion(slot: Slot, slotProbabilityA: number): Completion {
  return { text: slot, tokens: [letter(slot, slotProbabilityA)], finishReason: "stop" };
}

/** A completion with no verdict in it. */
export function unreadableCompletion(text = "Both answers have merits."): Completion {
  return { text, tokens: [plain(text)], finishReason: "stop" };
}

function letter(slot: Slot, slotProbabilityA: number): TokenLogprob {
  const top = [
    { token: "A", logprob: Math.log(slotProbabilityA) },
    { token: "B", logprob: Math.log(1 - slotProbabilityA) },
  ];
  const sampled = top.find((t) => t.token === slot)!;
  return { token: slot, logprob: sampled.logprob, top };
}

function plain(token: string): TokenLogprob {
  return { token, logprob: -0.01, top: [] };
}
