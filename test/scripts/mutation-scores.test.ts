import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import t from "tap";
import { loadMutationConfig } from "../../scripts/mutation-config.ts";
import {
  checkMutationScores,
  type EquivalentMutant,
  type MutationReport,
} from "../../scripts/mutation-scores.ts";

const { equivalentMutants, mutatedModules, mutationTestFiles, mutationThresholds } =
  await loadMutationConfig();

const ROOT = resolve(import.meta.dirname, "../..");
const thresholds = { withEquivalentMutants: 90, withoutEquivalentMutants: 95 };

type Status = "Killed" | "Timeout" | "Survived" | "NoCoverage" | "CompileError" | "Ignored";

/** A report of one file whose mutants all sit on line `line` (1-based) of `source`. */
function report(
  file: string,
  source: string,
  mutants: { status: Status; line?: number; mutator?: string; replacement?: string }[],
): MutationReport {
  return {
    files: {
      [file]: {
        source,
        mutants: mutants.map((mutant, i) => ({
          id: String(i),
          mutatorName: mutant.mutator ?? "EqualityOperator",
          replacement: mutant.replacement ?? "a >= b",
          status: mutant.status,
          location: { start: { line: mutant.line ?? 1, column: 3 } },
        })),
      },
    },
  };
}

const times = (n: number, status: Status) => Array.from({ length: n }, () => ({ status }));

t.test("a score counts killed and timed-out mutants over the valid ones", async (t) => {
  const check = checkMutationScores(
    report("src/core/x.ts", "a > b\n", [
      ...times(17, "Killed"),
      ...times(2, "Timeout"),
      { status: "Survived" },
      { status: "CompileError" },
      { status: "Ignored" },
    ]),
    [],
    thresholds,
  );
  const [module] = check.modules;
  t.equal(module!.detected, 19);
  t.equal(module!.undetected, 1);
  t.equal(module!.invalid, 2, "errors and ignored mutants are outside the score");
  t.equal(module!.score, 95);
  t.equal(module!.threshold, 95, "no equivalent mutants: the higher bar");
  t.ok(module!.passed, "95% meets 95%");
  t.same(module!.survivors, ["1:3 EqualityOperator → a >= b"]);
  t.ok(check.passed);
});

t.test("one survivor too many fails the module and the check", async (t) => {
  const check = checkMutationScores(
    report("src/core/x.ts", "a > b\n", [
      ...times(18, "Killed"),
      { status: "Survived" },
      { status: "NoCoverage" },
    ]),
    [],
    thresholds,
  );
  t.equal(check.modules[0]!.score, 90);
  t.notOk(check.modules[0]!.passed, "90% < 95%");
  t.notOk(check.passed);
});

t.test("declared equivalent mutants leave the count and lower the bar", async (t) => {
  const source = "const x = 1;\n  if (a > b) return;\n";
  const equivalent: EquivalentMutant = {
    file: "src/core/x.ts",
    mutator: "EqualityOperator",
    line: "if (a > b) return;",
    replacement: "a >= b",
    reason: "a = b cannot happen",
  };
  const check = checkMutationScores(
    report("src/core/x.ts", source, [
      ...times(9, "Killed"),
      { status: "Survived", line: 2 },
      { status: "Survived", line: 2, replacement: "a < b" },
    ]),
    [equivalent],
    thresholds,
  );
  const [module] = check.modules;
  t.equal(module!.equivalent, 1, "matched whatever the line number, by the line's text");
  t.equal(module!.undetected, 1, "another replacement on the same line is not excused");
  t.equal(module!.threshold, 90);
  t.equal(module!.score, 90);
  t.ok(check.passed);
  t.same(check.staleEquivalents, []);

  const moved = checkMutationScores(
    report("src/core/x.ts", source, [...times(9, "Killed"), { status: "Survived", line: 1 }]),
    [equivalent],
    thresholds,
  );
  t.equal(moved.modules[0]!.equivalent, 0, "another line's mutant is not excused");
  t.same(
    moved.staleEquivalents,
    [{ entry: equivalent, matched: 0 }],
    "the entry matches no survivor: stale",
  );
  t.notOk(moved.passed, "a stale entry fails the check even when every module passes");

  const killedNow = checkMutationScores(
    report("src/core/x.ts", source, times(10, "Killed")),
    [equivalent],
    thresholds,
  );
  t.ok(killedNow.modules[0]!.passed);
  t.same(
    killedNow.staleEquivalents,
    [{ entry: equivalent, matched: 0 }],
    "a test now kills it: the entry must go",
  );

  const otherModule = checkMutationScores(
    report("src/core/y.ts", source, times(10, "Killed")),
    [equivalent],
    thresholds,
  );
  t.same(otherModule.staleEquivalents, [], "a partial run does not judge other modules' entries");
  t.equal(otherModule.modules[0]!.threshold, 95);
});

t.test("an entry excuses as many mutants as it declares, and is stale with fewer", async (t) => {
  const source = "for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) f(i, j);\n";
  const entry: EquivalentMutant = {
    file: "src/core/x.ts",
    mutator: "EqualityOperator",
    line: source.trim(),
    replacement: "a >= b",
    reason: "the extra rounds read past the end and change nothing",
  };
  const twoSurvivors = report("src/core/x.ts", source, [
    ...times(18, "Killed"),
    { status: "Survived" },
    { status: "Survived" },
  ]);

  const single = checkMutationScores(twoSurvivors, [entry], thresholds).modules[0]!;
  t.equal(single.equivalent, 1, "an entry without a count excuses one mutant");
  t.equal(single.undetected, 1, "the second mutant on the same line still counts");
  t.equal(single.score, (100 * 18) / 19);

  const pair = { ...entry, mutants: 2 };
  const both = checkMutationScores(twoSurvivors, [pair], thresholds);
  t.equal(both.modules[0]!.equivalent, 2);
  t.equal(both.modules[0]!.undetected, 0);
  t.same(both.staleEquivalents, []);

  const oneLeft = checkMutationScores(
    report("src/core/x.ts", source, [...times(19, "Killed"), { status: "Survived" }]),
    [pair],
    thresholds,
  );
  t.same(
    oneLeft.staleEquivalents,
    [{ entry: pair, matched: 1 }],
    "one of the two is killed now: the entry overstates and must be corrected",
  );
  t.notOk(oneLeft.passed);
});

t.test("a module with no valid mutant scores 100", async (t) => {
  const check = checkMutationScores(
    report("src/core/types.ts", "", [{ status: "Ignored" }]),
    [],
    thresholds,
  );
  t.equal(check.modules[0]!.score, 100);
  t.ok(check.passed);
});

t.test(
  "the CLI prints each module and exits 1 below threshold, 0 above, 2 without a report",
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "mutation-scores-"));
    const run = (...args: string[]) =>
      spawnSync(
        process.execPath,
        ["--import=tsx", join(ROOT, "scripts/check-mutation-scores.ts"), ...args],
        {
          encoding: "utf8",
        },
      );
    const failing = join(dir, "failing.json");
    writeFileSync(
      failing,
      JSON.stringify(
        report("src/core/not-a-module.ts", "if (a > b) x();\n", [
          ...times(3, "Killed"),
          { status: "Survived", replacement: "a >= b" },
        ]),
      ),
    );
    const below = run(failing);
    t.equal(below.status, 1, below.stderr);
    t.match(below.stdout, /src\/core\/not-a-module\.ts\s+75\.0\s+95/);
    t.match(below.stdout, /1:3 EqualityOperator → a >= b/);

    const passing = join(dir, "passing.json");
    writeFileSync(
      passing,
      JSON.stringify(report("src/core/not-a-module.ts", "x\n", times(4, "Killed"))),
    );
    const above = run(passing);
    t.equal(above.status, 0, above.stdout + above.stderr);
    t.match(above.stdout, /1 modules, 0 below threshold, 0 stale/);
    const table = run("--markdown", passing);
    t.equal(table.status, 0);
    t.match(
      table.stdout,
      /\| `src\/core\/not-a-module\.ts` \| 100\.0 \| 95 \| 4 \| 0 \| 0 \| 0 \|\n/,
    );

    // A module with a declared equivalent whose mutants were all killed: its entry is stale.
    const entry = equivalentMutants.find((e) => e.file === "trainer/core/majority-vote.ts")!;
    const stale = join(dir, "stale.json");
    writeFileSync(stale, JSON.stringify(report(entry.file, `${entry.line}\n`, times(4, "Killed"))));
    const staleRun = run(stale);
    t.equal(staleRun.status, 1, "every module passes, yet the stale entry fails the check");
    t.match(
      staleRun.stdout,
      `stale equivalent mutant entry (matches 0 survivors of the 1 it declares): ${entry.file} ${entry.mutator} "${entry.line}" → ${entry.replacement}`,
    );
    t.match(staleRun.stdout, /1 modules, 0 below threshold, 1 stale equivalent entries/);

    t.equal(run(join(dir, "absent.json")).status, 2);
  },
);

/** Files a config pattern names: a literal path, or `dir/*.ext` (the only glob the config uses). */
function expand(pattern: string): string[] {
  const star = pattern.indexOf("*");
  if (star < 0) return existsSync(join(ROOT, pattern)) ? [pattern] : [];
  const dir = pattern.slice(0, pattern.lastIndexOf("/"));
  const suffix = pattern.slice(star + 1);
  t.equal(pattern.slice(dir.length), `/*${suffix}`, `${pattern}: only dir/*.ext globs`);
  return readdirSync(join(ROOT, dir))
    .filter((name) => name.endsWith(suffix))
    .map((name) => `${dir}/${name}`);
}

t.test("the config: thresholds as the issue sets them, every pattern names files", async (t) => {
  t.same(mutationThresholds, thresholds);
  for (const pattern of [...mutatedModules, ...mutationTestFiles]) {
    t.ok(expand(pattern).length > 0, `${pattern} names at least one file`);
  }
});

t.test(
  "every declared equivalent mutant names a mutated module, its line and a reason",
  async (t) => {
    const modules = new Set(mutatedModules.flatMap(expand));
    for (const entry of equivalentMutants) {
      const where = `${entry.file} "${entry.line}"`;
      t.ok(modules.has(entry.file), `${where}: a mutated module`);
      if (!modules.has(entry.file)) continue;
      const lines = readFileSync(join(ROOT, entry.file), "utf8")
        .split("\n")
        .map((line) => line.trim());
      t.ok(lines.includes(entry.line), `${where}: the line is in the file as written`);
      t.ok(
        entry.mutator.length > 0 && entry.replacement.length > 0,
        `${where}: mutator and replacement`,
      );
      t.ok(entry.reason.length >= 20, `${where}: says why no input tells the mutant apart`);
      if (entry.mutants !== undefined) {
        t.ok(
          Number.isInteger(entry.mutants) && entry.mutants >= 2,
          `${where}: a count, when given, is an integer of at least 2 (1 is the default)`,
        );
      }
    }
  },
);

t.test("every mutated module is loaded by a test file the mutation run runs", async (t) => {
  // A module no listed test file imports would come out all "no coverage" after a 30-minute run.
  const testFiles = mutationTestFiles.flatMap(expand);
  const sources = testFiles.map((file) => readFileSync(join(ROOT, file), "utf8"));
  const helpers = new Map<string, string>();
  const importsOf = (file: string, text: string): string[] =>
    [...text.matchAll(/from "(\.[^"]+\.ts)"/g)].map((m) => join(file, "..", m[1]!));
  // One level of helper files (test/src/core/scripted-engine.ts and the like) counts too.
  const loaded = new Set<string>();
  testFiles.forEach((file, i) => {
    for (const imported of importsOf(file, sources[i]!)) {
      loaded.add(imported);
      if (imported.startsWith("test/") && existsSync(join(ROOT, imported))) {
        const text = helpers.get(imported) ?? readFileSync(join(ROOT, imported), "utf8");
        helpers.set(imported, text);
        for (const inner of importsOf(imported, text)) loaded.add(inner);
      }
    }
  });
  const runtimeModules = mutatedModules
    .flatMap(expand)
    .filter((file) =>
      /^export (const|function|class|async function)/m.test(readFileSync(join(ROOT, file), "utf8")),
    );
  const untested = runtimeModules.filter((file) => !loaded.has(file));
  t.same(untested, [], "modules with code that no listed test file imports");
});
