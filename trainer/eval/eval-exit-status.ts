/**
 * How many malformed rows `jurist eval` accepts before it exits non-zero: a count of rows, or
 * a fraction of the rows read.
 */
export type MalformedLimit = { count: number } | { fraction: number };

/**
 * 1% of the rows read. A published benchmark loads without a malformed row; a few (a missing
 * image) still give usable numbers, listed in the report; beyond that the numbers no longer
 * describe the benchmark, and a wrong `--format` or a broken download makes nearly every row
 * malformed.
 */
export const DEFAULT_MALFORMED_LIMIT: MalformedLimit = { fraction: 0.01 };

/**
 * `--max-malformed`: a whole number is a count of rows (`0`: none allowed); a percentage (`5%`,
 * at most `100%`) or a number with a decimal point strictly below 1 (`0.05`) is a share of the
 * rows read. `1.0` is refused rather than read as 100%: beside `1` meaning one row, a decimal
 * point deciding between one row and every row is a trap. The limit, or what is wrong.
 */
export function parseMalformedLimit(text: string): MalformedLimit | { problem: string } {
  const trimmed = text.trim();
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(trimmed);
  if (percent) {
    const fraction = Number(percent[1]) / 100;
    if (fraction <= 1) return { fraction };
    return { problem: `--max-malformed ${trimmed}: a percentage must be at most 100%` };
  }
  if (/^\d+$/.test(trimmed)) return { count: Number(trimmed) };
  if (/^(\d*\.\d+|\d+\.)$/.test(trimmed)) {
    const fraction = Number(trimmed);
    if (fraction < 1) return { fraction };
    const hint =
      fraction === 1
        ? " (1 for one row, 100% for every row)"
        : Number.isInteger(fraction)
          ? ` (${fraction} for ${fraction} rows)`
          : "";
    return {
      problem:
        `--max-malformed ${trimmed}: a number with a decimal point is a fraction of the rows ` +
        `read and must be below 1; write a whole count of rows or a percentage instead${hint}`,
    };
  }
  return {
    problem:
      "--max-malformed must be a count of rows (3), a percentage (5%) or a fraction below 1 (0.05)",
  };
}

const describeLimit = (limit: MalformedLimit) =>
  "count" in limit ? `${limit.count} rows` : `${+(100 * limit.fraction).toFixed(4)}% of rows`;

/** The counts of an evaluation report that decide the exit status. */
export interface EvaluationCounts {
  /** Rows read, malformed ones included. */
  items: number;
  judged: number;
  skipped: number;
  failed: number;
  malformed: number;
}

/**
 * Why `jurist eval` must exit non-zero, one sentence each (none: exit 0). A run that judged
 * nothing has no number to report, however its file was read; malformed rows above the limit
 * make the numbers describe a different set than the benchmark; a failed item was not judged
 * because the fleet failed it, not because of the file.
 */
export function evaluationProblems(counts: EvaluationCounts, limit: MalformedLimit): string[] {
  const problems: string[] = [];
  if (counts.judged === 0) {
    problems.push(
      `nothing was judged: of ${counts.items} rows read, ${counts.malformed} malformed, ` +
        `${counts.skipped} skipped, ${counts.failed} failed`,
    );
  }
  // A hair over the product, so binary rounding (0.29 * 100 = 28.999…) cannot refuse 29 of 100.
  const allowed = "count" in limit ? limit.count : limit.fraction * counts.items + 1e-9;
  if (counts.malformed > allowed) {
    const share = counts.items === 0 ? 0 : (100 * counts.malformed) / counts.items;
    problems.push(
      `${counts.malformed} of ${counts.items} rows are malformed (${share.toFixed(1)}%), ` +
        `more than --max-malformed allows (${describeLimit(limit)}): see the report's malformed rows`,
    );
  }
  if (counts.failed > 0) {
    problems.push(`${counts.failed} items failed to be judged: see the report's failed items`);
  }
  return problems;
}
