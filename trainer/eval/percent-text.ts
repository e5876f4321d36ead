/**
 * A share as the reports print it, one decimal (`0.8125` → `81.3%`); `missing` where there is
 * no number (a table's `—`, a summary line's `n/a`). One helper, so every report and summary
 * line of an evaluation rounds the same figure the same way.
 */
export function percentText(value: number | null | undefined, missing = "—"): string {
  return value === null || value === undefined ? missing : `${(100 * value).toFixed(1)}%`;
}
