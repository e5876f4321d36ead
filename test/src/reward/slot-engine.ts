import { PAIRWISE_MARKERS } from "../../../src/core/pairwise-template.ts";
import type {
  Completion,
  CompletionRequest,
  JudgeEngine,
  SessionOptions,
} from "../../../src/core/types.ts";
import { fastCompletion } from "../core/scripted-engine.ts";

/** The two answers a rendered prompt shows, in slot order. */
export function slotsOf(request: CompletionRequest): { slotA: string; slotB: string } {
  const user = request.messages.find((m) => m.role === "user");
  const parts = typeof user?.content === "string" ? [] : (user?.content ?? []);
  const text = parts.map((p) => (p.type === "text" ? p.text : "")).join("");
  const m = PAIRWISE_MARKERS;
  const between = (start: string, end: string) =>
    text.split(`${start}\n`)[1]?.split(`\n${end}`)[0] ?? "";
  return { slotA: between(m.startA, m.endA), slotB: between(m.startB, m.endB) };
}

/** Answers a call from the texts in its slots: a completion, or a thrown error. */
export type SlotScript = (slots: { slotA: string; slotB: string }) => Completion;

/** A fast-mode answer giving slot A probability `p`. */
export const slotA = (p: number): Completion => fastCompletion(p >= 0.5 ? "A" : "B", p);

/**
 * An in-memory JudgeEngine answering from the slot texts (so any candidate pair can be
 * scripted), recording every session's checkpoint and options and the calls in flight.
 */
export function createSlotEngine(script: SlotScript) {
  const sessions: { checkpoint: string | undefined; options: SessionOptions | undefined }[] = [];
  let calls = 0;
  let inFlight = 0;
  let peak = 0;
  const engine: JudgeEngine = {
    session(checkpoint, options) {
      sessions.push({ checkpoint, options });
      return {
        checkpoint: checkpoint ?? "ckpt_champion",
        replica: "replica-1",
        async complete(request) {
          calls++;
          inFlight++;
          peak = Math.max(peak, inFlight);
          try {
            await new Promise((resolve) => setImmediate(resolve));
            return [script(slotsOf(request))];
          } finally {
            inFlight--;
          }
        },
      };
    },
  };
  return { engine, sessions, calls: () => calls, peak: () => peak };
}
