import type { PriorityClass } from "./types.ts";

/** Every admission class, most urgent first; metrics label sets are exactly these. */
export const PRIORITY_CLASSES = [
  "interactive",
  "batch",
] as const satisfies readonly PriorityClass[];

/** The class a caller named (trimmed, any case), or null when it names none of them. */
export function parsePriorityClass(value: string): PriorityClass | null {
  const name = value.trim().toLowerCase();
  return PRIORITY_CLASSES.find((known) => known === name) ?? null;
}
