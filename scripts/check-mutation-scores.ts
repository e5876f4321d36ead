/**
 * `npm run mutate:check [-- --markdown] [report.json]`: every module of the last
 * `npm run mutate` report against its threshold (stryker.config.mjs). Prints one row per module
 * (as a Markdown table with `--markdown`, the one docs/development.md carries) and each failing
 * module's surviving mutants; exits 1 when a module is below its threshold or an
 * equivalent-mutant entry matches fewer survivors than it declares, 2 when there is no report.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { loadMutationConfig, REPOSITORY_ROOT } from "./mutation-config.ts";
import { checkMutationScores, type ModuleScore, type MutationReport } from "./mutation-scores.ts";

const args = process.argv.slice(2);
const markdown = args.includes("--markdown");
const reportPath = resolve(
  args.find((arg) => !arg.startsWith("--")) ??
    resolve(REPOSITORY_ROOT, "reports/mutation/mutation.json"),
);
const config = await loadMutationConfig();

let report: MutationReport;
try {
  report = JSON.parse(readFileSync(reportPath, "utf8"));
} catch (error) {
  console.error(`no mutation report at ${reportPath}: run npm run mutate first (${error})`);
  process.exit(2);
}

const check = checkMutationScores(report, config.equivalentMutants, config.mutationThresholds);
const columns: [string, (module: ModuleScore) => string][] = [
  ["score", (module) => module.score.toFixed(1)],
  ["needs", (module) => String(module.threshold)],
  ["killed", (module) => String(module.detected)],
  ["survived", (module) => String(module.undetected)],
  ["equivalent", (module) => String(module.equivalent)],
  ["invalid", (module) => String(module.invalid)],
];
if (markdown) {
  console.log(`| module | ${columns.map(([name]) => name).join(" | ")} |`);
  console.log(`| --- |${" ---: |".repeat(columns.length)}`);
  for (const module of check.modules) {
    const cells = columns.map(([, cell]) => cell(module));
    console.log(`| \`${module.file}\` | ${cells.join(" | ")} |${module.passed ? "" : " below"}`);
  }
} else {
  const width = Math.max(...check.modules.map((module) => module.file.length), 6);
  console.log(`${"module".padEnd(width)}  ${columns.map(([name]) => name).join("  ")}`);
  for (const module of check.modules) {
    const cells = columns.map(([name, cell]) => cell(module).padStart(name.length));
    console.log(
      `${module.file.padEnd(width)}  ${cells.join("  ")}${module.passed ? "" : "  BELOW"}`,
    );
  }
}
for (const module of check.modules.filter((m) => !m.passed)) {
  console.log(`\n${module.file}: ${module.score.toFixed(1)}% < ${module.threshold}%, survivors:`);
  for (const survivor of module.survivors) console.log(`  ${survivor}`);
}
for (const { entry, matched } of check.staleEquivalents) {
  console.log(
    `\nstale equivalent mutant entry (matches ${matched} survivors of the ${entry.mutants ?? 1} it declares): ${entry.file} ${entry.mutator} "${entry.line}" → ${entry.replacement}`,
  );
}
const failed = check.modules.filter((module) => !module.passed).length;
console.log(
  `\n${check.modules.length} modules, ${failed} below threshold, ${check.staleEquivalents.length} stale equivalent entries`,
);
process.exit(check.passed ? 0 : 1);
