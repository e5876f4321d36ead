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
