/**
 * `npm run mutate:check [report.json]`: every module of the last `npm run mutate` report
 * against its threshold (stryker.config.mjs). Prints one row per module and each failing
 * module's surviving mutants; exits 1 when a module is below its threshold or an
 * equivalent-mutant entry no longer matches a survivor, 2 when there is no report.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { checkMutationScores, type MutationReport } from "./mutation-scores.ts";

const root = resolve(import.meta.dirname, "..");
const reportPath = resolve(process.argv[2] ?? `${root}/reports/mutation/mutation.json`);
const config = await import(pathToFileURL(`${root}/stryker.config.mjs`).href);

let report: MutationReport;
try {
  report = JSON.parse(readFileSync(reportPath, "utf8"));
} catch (error) {
  console.error(`no mutation report at ${reportPath}: run npm run mutate first (${error})`);
  process.exit(2);
}

const check = checkMutationScores(report, config.equivalentMutants, config.mutationThresholds);
const width = Math.max(...check.modules.map((module) => module.file.length), 6);
console.log(`${"module".padEnd(width)}  score  needs  killed  survived  equivalent  invalid`);
for (const module of check.modules) {
  console.log(
    [
      module.file.padEnd(width),
      `${module.score.toFixed(1).padStart(5)}`,
      `${String(module.threshold).padStart(5)}`,
      String(module.detected).padStart(6),
      String(module.undetected).padStart(8),
      String(module.equivalent).padStart(10),
      String(module.invalid).padStart(7),
      module.passed ? "" : " BELOW",
    ].join("  "),
  );
}
for (const module of check.modules.filter((m) => !m.passed)) {
  console.log(`\n${module.file}: ${module.score.toFixed(1)}% < ${module.threshold}%, survivors:`);
  for (const survivor of module.survivors) console.log(`  ${survivor}`);
}
for (const entry of check.staleEquivalents) {
  console.log(
    `\nstale equivalent mutant (matches no survivor): ${entry.file} ${entry.mutator} "${entry.line}" → ${entry.replacement}`,
  );
}
const failed = check.modules.filter((module) => !module.passed).length;
console.log(
  `\n${check.modules.length} modules, ${failed} below threshold, ${check.staleEquivalents.length} stale equivalent entries`,
);
process.exit(check.passed ? 0 : 1);
