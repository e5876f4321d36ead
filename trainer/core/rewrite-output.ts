import {
  ERROR_KINDS,
  type ErrorKind,
  type InjectedError,
  REWRITE_MARKERS,
} from "../../src/core/generator-prompts.ts";

/**
 * Reads a rewrite model's output in the format `formatRewriteOutput` writes, reporting
 * what the lenient simulated-engine parser drops silently (unknown kinds, malformed error
 * lines, a missing error list), so validation can reject and count them.
 */

/** A parsed rewrite output, with everything validation needs to judge it. */
export interface RewriteReport {
  /** The rewritten response, trimmed. */
  text: string;
  /** Whether the `[Injected Errors]` marker follows the rewrite. */
  hasErrorList: boolean;
  /** Error lines of a known kind, in order. */
  errors: InjectedError[];
  /** Kinds of well-formed error lines that are not one of ERROR_KINDS. */
  unknownKinds: string[];
  /** Bulleted lines in the error list that are not `- kind: "from" -> "to"`. */
  malformed: string[];
}

const ERROR_LINE = /^[-*]\s+([\w ]+?)\s*:\s*("(?:[^"\\]|\\.)*")\s*->\s*("(?:[^"\\]|\\.)*")\s*$/;

function unquote(quoted: string): string | null {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return null;
  }
}

function readErrorLines(lines: readonly string[], report: RewriteReport): void {
  for (const line of lines.map((l) => l.trim()).filter((l) => /^[-*]\s/.test(l))) {
    const match = ERROR_LINE.exec(line);
    const from = match ? unquote(match[2]!) : null;
    const to = match ? unquote(match[3]!) : null;
    if (!match || from === null || to === null) report.malformed.push(line);
    else if ((ERROR_KINDS as readonly string[]).includes(match[1]!)) {
      report.errors.push({ kind: match[1] as ErrorKind, from, to });
    } else report.unknownKinds.push(match[1]!);
  }
}

/**
 * The rewrite between its markers and the error list after `[Injected Errors]`; null when
 * a marker is missing (e.g. output cut by max_tokens) or the rewrite is empty.
 */
export function parseRewriteReport(output: string): RewriteReport | null {
  const m = REWRITE_MARKERS;
  const start = output.indexOf(m.startRewrite);
  if (start === -1) return null;
  const end = output.indexOf(m.endRewrite, start + m.startRewrite.length);
  if (end === -1) return null;
  const text = output.slice(start + m.startRewrite.length, end).trim();
  if (text === "") return null;
  const errorsAt = output.indexOf(m.errors, end + m.endRewrite.length);
  const hasErrorList = errorsAt !== -1;
  const report: RewriteReport = { text, hasErrorList, errors: [], unknownKinds: [], malformed: [] };
  if (hasErrorList) readErrorLines(output.slice(errorsAt + m.errors.length).split("\n"), report);
  return report;
}
