import type { Slot } from "../../src/core/types.ts";
import { parseVerdict } from "../../src/core/verdict-parser.ts";

/** A judge completion read as a training target. */
export interface VerdictTrace {
  /** The slot the completion's verdict names. */
  slot: Slot;
  /** The reasoning up to the verdict, ending exactly in `[[A]]` or `[[B]]`. */
  trace: string;
}

/** Quotes or emphasis opening right before the verdict marker (`"[[A]]"`, `**[[A]]**`). */
const OPENING = /["'`“‘*_]+$/u;

/**
 * Reads a reasoned judge completion with the gateway's parser (`parseVerdict`) and cuts it
 * to a clean target: everything before the verdict marker, minus wrapping quotes or
 * emphasis opening the marker, then the canonical `[[X]]`. Text after the verdict is
 * dropped so the model learns to stop there. Null when the verdict is unreadable.
 */
export function verdictTrace(completion: string): VerdictTrace | null {
  const parsed = parseVerdict(completion, "reasoned");
  if (!parsed.ok) return null;
  const markerAt = completion.lastIndexOf("[[", parsed.index);
  const before = completion.slice(0, markerAt).replace(OPENING, "");
  const head = before.trimEnd();
  const tail = before.slice(head.length);
  const breaks = tail.split("\n").length - 1;
  const separator = head === "" ? "" : breaks >= 2 ? "\n\n" : breaks === 1 ? "\n" : " ";
  return { slot: parsed.slot, trace: `${head}${separator}[[${parsed.slot}]]` };
}
