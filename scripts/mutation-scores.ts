/**
 * Per-module mutation scores from a Stryker JSON report (mutation-testing-report-schema), with
 * the mutants the config declares equivalent taken out, held against the thresholds. Pure: the
 * CLI (check-mutation-scores.ts) reads the files and prints.
 */

/** The parts of Stryker's JSON report this reads. */
export interface MutationReport {
  files: Record<
    string,
    {
      source: string;
      mutants: {
        id: string;
        mutatorName: string;
        replacement?: string;
        status: string;
        location: { start: { line: number; column: number } };
      }[];
    }
  >;
}

/** A mutant that no test can kill, with why (stryker.config.mjs, `equivalentMutants`). */
export interface EquivalentMutant {
  file: string;
  mutator: string;
  /** The trimmed source line the mutant starts on. */
  line: string;
  replacement: string;
  /**
   * How many mutants with that line, mutator and replacement the entry excuses (a loop line
   * can carry two `<`), 1 unless said: a further one is a survivor like any other.
   */
  mutants?: number;
  reason: string;
}

export interface MutationThresholds {
  withEquivalentMutants: number;
  withoutEquivalentMutants: number;
}

export interface ModuleScore {
  file: string;
  /** Killed or timed out: a test noticed. */
  detected: number;
  /** Survived or not covered, and not declared equivalent. */
  undetected: number;
  equivalent: number;
  /** Compile and runtime errors, ignored mutants: outside the score, as in Stryker's. */
  invalid: number;
  /** detected over detected + undetected, in percent; 100 for a module with nothing valid. */
  score: number;
  threshold: number;
  passed: boolean;
  /** Undetected mutants, as `line:column mutator → replacement`. */
  survivors: string[];
}

/** An equivalent-mutant entry that excused fewer survivors than it declares. */
export interface StaleEquivalent {
  entry: EquivalentMutant;
  /** Survivors it matched: fewer than `entry.mutants` (or 1). */
  matched: number;
}

export interface ScoreCheck {
  modules: ModuleScore[];
  /** Entries for a module in the report that matched fewer survivors than they declare. */
  staleEquivalents: StaleEquivalent[];
  passed: boolean;
}

const DETECTED = new Set(["Killed", "Timeout"]);
const UNDETECTED = new Set(["Survived", "NoCoverage"]);

/**
 * Scores every module in the report. An equivalent-mutant entry matches a mutant with the same
 * file, mutator, replacement and trimmed start line, whatever its line number, and excuses as
 * many of them as it declares (`mutants`, default 1), so a new mutant on an excused line is
 * still counted. An entry for a module in the report that matches fewer undetected mutants than
 * it declares is stale (the code changed, or a test now kills one) and fails the check, so the
 * list shrinks with the code. Entries for modules outside the report (a partial run) are not
 * judged.
 */
export function checkMutationScores(
  report: MutationReport,
  equivalents: readonly EquivalentMutant[],
  thresholds: MutationThresholds,
): ScoreCheck {
  const used = new Map<EquivalentMutant, number>();
  const modules = Object.keys(report.files)
    .sort()
    .map((file) => {
      const { source, mutants } = report.files[file]!;
      const lines = source.split("\n");
      const declared = equivalents.filter((entry) => entry.file === file);
      let detected = 0;
      let undetected = 0;
      let equivalent = 0;
      let invalid = 0;
      const survivors: string[] = [];
      for (const mutant of mutants) {
        if (DETECTED.has(mutant.status)) {
          detected++;
          continue;
        }
        if (!UNDETECTED.has(mutant.status)) {
          invalid++;
          continue;
        }
        const { line, column } = mutant.location.start;
        const text = (lines[line - 1] ?? "").trim();
        const match = declared.find(
          (entry) =>
            entry.mutator === mutant.mutatorName &&
            entry.replacement === mutant.replacement &&
            entry.line === text &&
            (used.get(entry) ?? 0) < declaredCount(entry),
        );
        if (match) {
          used.set(match, (used.get(match) ?? 0) + 1);
          equivalent++;
          continue;
        }
        undetected++;
        survivors.push(
          `${line}:${column} ${mutant.mutatorName} → ${oneLine(mutant.replacement ?? "")}`,
        );
      }
      const valid = detected + undetected;
      const score = valid === 0 ? 100 : (100 * detected) / valid;
      const threshold =
        declared.length > 0
          ? thresholds.withEquivalentMutants
          : thresholds.withoutEquivalentMutants;
      return {
        file,
        detected,
        undetected,
        equivalent,
        invalid,
        score,
        threshold,
        passed: score >= threshold,
        survivors,
      };
    });
  const staleEquivalents = equivalents
    .filter((entry) => entry.file in report.files)
    .map((entry) => ({ entry, matched: used.get(entry) ?? 0 }))
    .filter(({ entry, matched }) => matched < declaredCount(entry));
  return {
    modules,
    staleEquivalents,
    passed: staleEquivalents.length === 0 && modules.every((module) => module.passed),
  };
}

function declaredCount(entry: EquivalentMutant): number {
  return entry.mutants ?? 1;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}
