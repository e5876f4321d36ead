import type { JudgeMode, Slot } from "./types.ts";

/**
 * The verdict read from one completion. `index` is the character offset of the verdict
 * letter in the text (of the chosen marker's label in reasoned mode), so the probability step
 * can tell which marker the parser chose.
 */
export type ParsedVerdict = { ok: true; slot: Slot; index: number } | { ok: false; reason: string };

/** A `[[word]]` marker as written. */
export interface MarkerSpan {
  label: string;
  /** Offset of the label's first character. */
  index: number;
  /** Offsets of the opening `[[` and just past the closing `]]`. */
  start: number;
  end: number;
}

/** A `[[word]]` marker; only A and B (any case) are verdicts, `[[C]]` or `[[tie]]` are not. */
interface Marker extends MarkerSpan {
  lineStart: number;
  /** Counts as the judge's own output: not quoted, or quoted but alone on its line. */
  counts: boolean;
}

const MARKER = /\[\[\s*([A-Za-z]{1,12})\s*\]\]/g;

/** Quotes that may wrap a marker directly, e.g. `'[[B]]'`; apostrophes make spans unsafe. */
const ENCLOSING: Record<string, string> = { '"': '"', "'": "'", "`": "`", "“": "”", "‘": "’" };

/**
 * A quoted marker alone on its line, optionally after a label such as `Final verdict:`,
 * in emphasis and with trailing punctuation. The prompt shows the format as `"[[A]]"`, so
 * judges often echo the quotes around their real verdict.
 */
const STANDALONE =
  /^[\s>#*_-]*(?:[\p{L} ]{1,40}[*_]*:[*_\s]*)?[\s*_"'`“”‘’]*\[\[\s*[ab]\s*\]\][\s*_"'`“”‘’.!]*$/iu;

/**
 * Reads the verdict of a completion.
 *
 * - `fast`: the whole trimmed text must be `A` or `B` (any case).
 * - `reasoned`: the last marker that counts wins. A marker inside quotes or backticks is
 *   the reasoning citing something (the format, another answer) and does not count, unless
 *   it stands alone on its line (`"[[A]]"`, `Final verdict: "[[A]]"`). The result is invalid
 *   when no `[[A]]`/`[[B]]` exists, when only quoted ones do, when the last counting marker
 *   is not A or B (`[[C]]`: the judge declined), or when the verdict's line or the last
 *   marker's line names both A and B (`[[A]] or [[B]]`).
 */
export function parseVerdict(text: string, mode: JudgeMode): ParsedVerdict {
  return mode === "fast" ? parseFast(text) : parseReasoned(text);
}

function parseFast(text: string): ParsedVerdict {
  const trimmed = text.trim();
  const slot = toSlot(trimmed);
  if (!slot) return { ok: false, reason: `expected A or B, got ${JSON.stringify(clip(trimmed))}` };
  return { ok: true, slot, index: text.indexOf(trimmed) };
}

function parseReasoned(text: string): ParsedVerdict {
  const markers = findMarkers(text);
  const verdicts = markers.filter((m) => toSlot(m.label));
  if (verdicts.length === 0) return { ok: false, reason: "no verdict marker" };
  const chosen = markers.findLast((m) => m.counts);
  const lines = new Set([verdicts.at(-1)?.lineStart, chosen?.lineStart]);
  for (const line of lines) {
    const named = new Set(verdicts.filter((m) => m.lineStart === line).map((m) => toSlot(m.label)));
    if (named.size > 1) return { ok: false, reason: "both verdicts on the final line" };
  }
  if (!chosen) return { ok: false, reason: "verdict markers only inside quotes" };
  const slot = toSlot(chosen.label);
  if (!slot) return { ok: false, reason: `final marker [[${clip(chosen.label)}]] is not A or B` };
  return { ok: true, slot, index: chosen.index };
}

/**
 * Every `[[word]]` marker in `text`, in order, quoted or not. The one definition of a marker:
 * the probability step walks the logprob tokens with it too, so both count the same markers.
 */
export function markerSpans(text: string): MarkerSpan[] {
  return [...text.matchAll(MARKER)].map((match) => {
    const label = match[1] ?? "";
    const start = match.index;
    return { label, index: start + match[0].indexOf(label), start, end: start + match[0].length };
  });
}

function findMarkers(text: string): Marker[] {
  return markerSpans(text).map(({ label, index, start, end }) => {
    const lineStart = text.lastIndexOf("\n", start - 1) + 1;
    const lineEnd = text.indexOf("\n", end);
    const line = text.slice(lineStart, lineEnd === -1 ? text.length : lineEnd);
    const quoted = isQuoted(line, start - lineStart, end - lineStart);
    // STANDALONE admits a line whose only marker is an A/B one, so a quoted [[C]] never counts.
    const counts = !quoted || STANDALONE.test(line);
    return { label, index, start, end, lineStart, counts };
  });
}

/** Whether `line[start, end)` is wrapped in quotes directly or lies in a quoted span. */
function isQuoted(line: string, start: number, end: number): boolean {
  const before = line.slice(0, start);
  const after = line.slice(end);
  const open = before.replace(/[*_]+$/, "").at(-1) ?? "";
  const close = after.replace(/^[*_]+/, "")[0];
  if (ENCLOSING[open] !== undefined && ENCLOSING[open] === close) return true;
  for (const q of ['"', "`"]) {
    if (before.split(q).length % 2 === 0 && after.includes(q)) return true;
  }
  return before.lastIndexOf("“") > before.lastIndexOf("”") && after.includes("”");
}

function toSlot(label: string): Slot | null {
  const upper = label.toUpperCase();
  return upper === "A" || upper === "B" ? upper : null;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
