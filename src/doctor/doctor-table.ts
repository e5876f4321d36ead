import type { CheckResult } from "./doctor-check.ts";

const MARKS = { ok: "ok", fail: "FAIL", warn: "warn", skip: "skip" } as const;

/**
 * The doctor's report: one row per check (status, check, what the replica answered), the
 * change to make on an indented `→` line under it, then one line naming every failure.
 */
export function renderDoctorTable(replica: string, results: readonly CheckResult[]): string {
  const checkWidth = Math.max("check".length, ...results.map((r) => r.check.length));
  const row = (status: string, check: string, text: string) =>
    `${status.padEnd(6)}${check.padEnd(checkWidth + 2)}${text}`;
  const lines = [row("", "check", "result  (→ what to change)")];
  for (const result of results) {
    lines.push(row(MARKS[result.status], result.check, result.result));
    if (result.fix) lines.push(row("", "", `→ ${result.fix}`));
  }
  const failed = results.filter((r) => r.status === "fail").map((r) => r.check);
  const verdict =
    failed.length === 0
      ? `${replica}: everything Jurist needs holds`
      : `${replica}: ${failed.length} problem${failed.length > 1 ? "s" : ""}: ${failed.join(", ")}`;
  return `${lines.join("\n")}\n\n${verdict}\n`;
}
