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

export interface ScoreCheck {
  modules: ModuleScore[];
  /** Declared equivalent mutants that matched no surviving mutant of a module in the report. */
  staleEquivalents: EquivalentMutant[];
  passed: boolean;
}

const DETECTED = new Set(["Killed", "Timeout"]);
const UNDETECTED = new Set(["Survived", "NoCoverage"]);

/**
 * Scores every module in the report. An equivalent-mutant entry matches a mutant with the same
 * file, mutator, replacement and trimmed start line, whatever its line number; an entry for a
 * module in the report that matches no undetected mutant is stale (the code changed, or a test
 * now kills it) and fails the check, so the list shrinks with the code. Entries for modules
 * outside the report (a partial run) are not judged.
 */
export function checkMutationScores(
  report: MutationReport,
  equivalents: readonly EquivalentMutant[],
  thresholds: MutationThresholds,
): ScoreCheck {
  const used = new Set<EquivalentMutant>();
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
            entry.line === text,
        );
        if (match) {
          used.add(match);
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
  const staleEquivalents = equivalents.filter(
    (entry) => entry.file in report.files && !used.has(entry),
  );
  return {
    modules,
    staleEquivalents,
    passed: staleEquivalents.length === 0 && modules.every((module) => module.passed),
  };
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}
