import type { InjectedError } from "../../src/core/generator-prompts.ts";
import { parseRewriteReport, type RewriteReport } from "./rewrite-output.ts";

/**
 * Checks an error-injected rewrite of an open answer before it becomes a rejected response
 * (PAPER.md: "check that the rewrite really differs"). Only content may separate the pair,
 * so the rewrite must differ, keep the original's length, and state 1–3 known errors that
 * can be found in the texts.
 */

/** Why a rewrite is rejected, in the order the checks run. */
export type RewriteRejection =
  | "unparseable"
  | "identical"
  | "length_mismatch"
  | "missing_error_list"
  | "malformed_error_list"
  | "unknown_error_kind"
  | "error_count"
  | "error_not_in_text";

export interface RewriteValidationOptions {
  /** Largest allowed |rewrite − original| / original length, in characters; default 0.3. */
  maxLengthChange?: number;
  /** Fewest stated errors; default 1. */
  minErrors?: number;
  /** Most stated errors; default 3. */
  maxErrors?: number;
  /** Require each error's "to" in the rewrite and non-empty "from" in the original; default true. */
  checkErrorText?: boolean;
}

export type RewriteValidation =
  | { ok: true; rewrite: string; errors: InjectedError[]; lengthChange: number }
  | { ok: false; reason: RewriteRejection; detail: string };

/** Trims and collapses whitespace: layout alone never makes a rewrite differ. */
export function collapseWhitespace(text: string): string {
  return text.trim().replace(/\s+/g, " ");
}

function reject(reason: RewriteRejection, detail: string): RewriteValidation {
  return { ok: false, reason, detail };
}

function listProblem(report: RewriteReport, min: number, max: number): RewriteValidation | null {
  const stated = report.errors.length + report.unknownKinds.length + report.malformed.length;
  if (!report.hasErrorList || stated === 0) return reject("missing_error_list", "no error lines");
  if (report.malformed.length > 0) return reject("malformed_error_list", report.malformed[0]!);
  if (report.unknownKinds.length > 0) {
    return reject("unknown_error_kind", `unknown kinds: ${report.unknownKinds.join(", ")}`);
  }
  const count = report.errors.length;
  if (count < min || count > max) {
    return reject("error_count", `${count} errors, want ${min}–${max}`);
  }
  return null;
}

function missingText(errors: InjectedError[], original: string, rewrite: string): string | null {
  const inside = (part: string, whole: string) =>
    collapseWhitespace(whole).toLowerCase().includes(collapseWhitespace(part).toLowerCase());
  for (const error of errors) {
    if (!inside(error.to, rewrite)) return `"${error.to}" is not in the rewrite`;
    // An empty "from" (an insertion) is in every original: `includes("")` holds.
    if (!inside(error.from, original)) return `"${error.from}" is not in the original`;
  }
  return null;
}

/**
 * Validates a rewrite model's raw output against the original response. On success returns
 * the rewrite text and the injected errors to record with the pair.
 */
export function validateRewrite(
  original: string,
  output: string,
  options: RewriteValidationOptions = {},
): RewriteValidation {
  const report = parseRewriteReport(output);
  if (!report) return reject("unparseable", "rewrite markers missing or rewrite empty");
  const before = collapseWhitespace(original);
  const after = collapseWhitespace(report.text);
  if (before === after) return reject("identical", "same text after whitespace normalisation");
  const lengthChange = Math.abs(after.length - before.length) / Math.max(1, before.length);
  const maxChange = options.maxLengthChange ?? 0.3;
  if (lengthChange > maxChange) {
    return reject("length_mismatch", `length changed by ${(lengthChange * 100).toFixed(0)}%`);
  }
  const problem = listProblem(report, options.minErrors ?? 1, options.maxErrors ?? 3);
  if (problem) return problem;
  const missing =
    options.checkErrorText === false ? null : missingText(report.errors, original, report.text);
  if (missing) return reject("error_not_in_text", missing);
  return { ok: true, rewrite: report.text, errors: report.errors, lengthChange };
}
