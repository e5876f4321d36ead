import { type Interval, wilsonInterval } from "./confidence-intervals.ts";
import type { MalformedRow } from "./eval-item.ts";
import type { EvalReport } from "./eval-report.ts";
import type { EvaluationRun } from "./evaluate.ts";
import type { UnparseablePolicy } from "./item-score.ts";
import type { BenchmarkFormat } from "./load-benchmark.ts";
import type { OfficialScore } from "./official-score.ts";

/** Where an evaluation's items came from and how it ran, besides what the run itself knows. */
export interface EvaluationMeta {
  /** The benchmark's name (a configured name such as `vlrb`, or the file's base name). */
  benchmark: string;
  file: string;
  format: BenchmarkFormat;
  /** True when the verdicts came from simulated replicas: the report then says so loudly. */
  simulated: boolean;
  /** Rows the loader read, malformed ones included (`LoadResult.rowsRead`). */
  rowsRead: number;
  malformed: readonly MalformedRow[];
  /** Defaults to now. */
  generatedAt?: Date;
  /** The official scoring's figures (`jurist eval --scoring official`), reported beside Jurist's. */
  official?: OfficialScore;
}

/**
 * Which scoring produced which number. The report's top-level statistics are Jurist's own
 * (gates and training summaries read them); `jurist` restates its headline and how it was
 * made, `official` (only with `--scoring official`) holds the official script's figures.
 */
export interface ReportScorings {
  jurist: {
    orders: "both, averaged";
    unparseable: UnparseablePolicy;
    overall: number | null;
    macro: number | null;
  };
  official?: OfficialScore;
}

/** The `report.json` of one evaluation; gate reports embed it. */
export interface EvaluationReport extends Omit<EvalReport, "items"> {
  /** Rows read from the file: judged + skipped + failed + malformed. */
  items: number;
  judged: number;
  skipped: number;
  failed: number;
  malformed: number;
  /** Items whose file stores the chosen response first (VLRB: nearly all). */
  chosen_first: number;
  /** Wilson interval over items with both orders parsed. */
  consistency_ci: Interval | null;
  /** Wilson interval over judged items, each counting its share of unparseable orders. */
  invalid_rate_ci: Interval | null;
  malformed_rows: MalformedRow[];
  skipped_items: { key: string; id: string; reason: string }[];
  failed_items: { key: string; id: string; error: string }[];
  scoring: ReportScorings;
  meta: {
    benchmark: string;
    file: string;
    format: BenchmarkFormat;
    checkpoint: string;
    simulated: boolean;
    unparseable: UnparseablePolicy;
    seed: number;
    /** `official` when the official figures are in `scoring.official`. */
    scoring: "jurist" | "official";
    generatedAt: string;
  };
}

function consistencyInterval(run: EvaluationRun): Interval | null {
  const parsed = run.scores.filter((s) => s.consistent !== null);
  if (parsed.length === 0) return null;
  return wilsonInterval(parsed.filter((s) => s.consistent).length, parsed.length);
}

// Orders of one item share its content, so they are not independent trials: the interval is
// over items, each contributing 0, 0.5 or 1 (Wilson stays conservative for fractional counts).
function invalidInterval(run: EvaluationRun): Interval | null {
  if (run.scores.length === 0) return null;
  const invalidShare = run.scores.reduce((sum, s) => sum + s.invalidOrders / 2, 0);
  return wilsonInterval(invalidShare, run.scores.length);
}

/** The JSON report of a run: the statistics, every count, and what was left out and why. */
export function buildEvaluationReport(run: EvaluationRun, meta: EvaluationMeta): EvaluationReport {
  const { items: judged, ...statistics } = run.report;
  const skipped = run.items.filter((r) => r.status === "skipped");
  const failed = run.items.filter((r) => r.status === "failed");
  return {
    items: meta.rowsRead,
    judged,
    skipped: skipped.length,
    failed: failed.length,
    malformed: meta.malformed.length,
    chosen_first: run.items.filter((r) => r.firstIsChosen).length,
    ...statistics,
    consistency_ci: consistencyInterval(run),
    invalid_rate_ci: invalidInterval(run),
    malformed_rows: [...meta.malformed],
    skipped_items: skipped.map((r) => ({ key: r.key, id: r.id, reason: r.skipped ?? "" })),
    failed_items: failed.map((r) => ({ key: r.key, id: r.id, error: r.error ?? "" })),
    scoring: {
      jurist: {
        orders: "both, averaged",
        unparseable: run.unparseable,
        overall: run.report.overall.accuracy,
        macro: run.report.macro.accuracy,
      },
      ...(meta.official ? { official: meta.official } : {}),
    },
    meta: {
      benchmark: meta.benchmark,
      file: meta.file,
      format: meta.format,
      checkpoint: run.checkpoint,
      simulated: meta.simulated,
      unparseable: run.unparseable,
      seed: run.seed,
      scoring: meta.official ? "official" : "jurist",
      generatedAt: (meta.generatedAt ?? new Date()).toISOString(),
    },
  };
}
