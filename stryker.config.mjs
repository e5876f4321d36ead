// @ts-check
// Mutation testing of the pure code (docs/development.md, "Mutation testing"): `npm run mutate`
// runs StrykerJS over the modules below, each mutant against the unit-test files that load the
// mutated module, then scripts/check-mutation-scores.ts holds every module to its threshold.
//
// Each test file runs in its own `node --import=tsx` process (Stryker's tap runner: ~1 s a
// file, where tap's own runner takes 5–7 s), and "perTest" coverage means a mutant runs only
// the test files that executed its code.

/**
 * The mutated modules: the gateway's pure core, the trainer's pure core, the routing function
 * and the evaluation statistics.
 */
export const mutatedModules = [
  "src/core/*.ts",
  "trainer/core/*.ts",
  "src/engine/replica-routing.ts",
  "trainer/eval/confidence-intervals.ts",
  "trainer/eval/mcnemar.ts",
  "trainer/eval/paired-comparison.ts",
  "trainer/eval/stratified-bootstrap.ts",
];

/**
 * The unit tests that exercise them. Long statistical simulations (the bootstrap's coverage
 * check) live in files of their own that `npm test` runs and this list leaves out: under
 * Stryker's instrumentation they take minutes per mutant and kill nothing a unit test misses.
 */
export const mutationTestFiles = [
  "test/src/core/*.test.ts",
  "test/trainer/core/*.test.ts",
  "test/src/engine/replica-routing.test.ts",
  "test/src/engine/poll-routing-baseline.test.ts",
  "test/src/engine/class-admission.test.ts",
  "test/trainer/eval/confidence-intervals.test.ts",
  "test/trainer/eval/mcnemar.test.ts",
  "test/trainer/eval/paired-comparison.test.ts",
  "test/trainer/eval/stratified-bootstrap.test.ts",
];

/**
 * The score each module must keep (Stryker's: killed and timed-out mutants over all valid
 * ones), with the mutants listed in `equivalentMutants` taken out of the count. A module with no
 * equivalent mutant has nothing to excuse a survivor, so it is held higher.
 */
export const mutationThresholds = { withEquivalentMutants: 90, withoutEquivalentMutants: 95 };

/**
 * Mutants that change no behaviour, so no test can kill them. Each names its module, Stryker's
 * mutator, the source line it sits on (trimmed, so the entry survives edits elsewhere in the
 * file) and the replacement Stryker reports, and says why no input can tell them apart.
 * scripts/check-mutation-scores.ts fails on an entry that no longer matches a surviving mutant,
 * so the list cannot outlive the code it excuses.
 * @type {{ file: string; mutator: string; line: string; replacement: string; reason: string }[]}
 */
export const equivalentMutants = [];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "tap",
  tap: {
    testFiles: mutationTestFiles,
    nodeArgs: ["--import=tsx", "-r", "{{hookFile}}"],
  },
  coverageAnalysis: "perTest",
  mutate: mutatedModules,
  // Stryker 9 rewrites the tsconfig in its sandbox with the TypeScript API it finds, and
  // TypeScript 7's package has none (`ts.parseConfigFileTextToJson is not a function`). tsx
  // needs no rewrite (the sandbox keeps the tree's layout), so point Stryker at a file that is
  // not there and it leaves tsconfig.json alone.
  tsconfigFile: "tsconfig.stryker-none.json",
  reporters: ["clear-text", "progress", "json", "html"],
  clearTextReporter: { reportScoreTable: true, reportMutants: false },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  // Each test file takes about a second; an infinite loop is found two seconds past its usual time.
  timeoutMS: 2000,
  tempDirName: ".stryker-tmp",
  incrementalFile: "reports/stryker-incremental.json",
};
