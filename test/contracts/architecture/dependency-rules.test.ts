import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import t from "tap";
import { folderCycles } from "../../../scripts/folder-cycles.ts";

// The floor plan's import rules (.dependency-cruiser.cjs, drawn in docs/architecture.md) hold
// for the repository, and each one fails on a planted violation: a rule that matches
// nothing would pass the first check forever.
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const CONFIG = join(ROOT, ".dependency-cruiser.cjs");
const DEPCRUISE = join(ROOT, "node_modules/.bin/depcruise");
const run = promisify(execFile);

interface Cruised {
  summary: { violations: Violation[] };
  modules: { source: string; dependencies: { resolved: string }[] }[];
}

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** Runs the rules over `folders` of `cwd`; the violations found. */
async function violations(cwd: string, folders: string[]): Promise<Violation[]> {
  return (await cruise(cwd, folders)).summary.violations;
}

/** dependency-cruiser's report on `folders` of `cwd`. */
async function cruise(cwd: string, folders: string[]): Promise<Cruised> {
  const present = folders.filter((folder) => existsSync(join(cwd, folder)));
  const args = [...present, "--config", CONFIG, "--output-type", "json"];
  // depcruise exits non-zero when a rule is broken; the JSON report is on stdout either way.
  const { stdout } = await run(DEPCRUISE, args, { cwd, maxBuffer: 64 * 1024 * 1024 }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }),
  );
  return JSON.parse(stdout) as Cruised;
}

/** A scratch tree of `files` (path → source). */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "jurist-floor-plan-"));
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), source);
  }
  return dir;
}

t.test("the repository keeps every rule, and its folder graph has no cycle", async (t) => {
  const report = await cruise(ROOT, ["src", "sim", "trainer"]);
  t.strictSame(
    report.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`),
    [],
  );
  t.ok(report.modules.length > 250, `${report.modules.length} modules cruised`);
  t.strictSame(folderCycles(report), [], "no folder cycle");
});

const importOf = (path: string) => `import { x } from "${path}";\nexport const y = x;\n`;
const exporting = "export const x = 1;\n";

/** One planted import per rule: the file that imports, what it imports, the rule it breaks. */
const PLANTED: { rule: string; from: string; source: string; target?: string }[] = [
  {
    rule: "gateway-not-to-trainer",
    from: "src/judge/judge-service.ts",
    source: importOf("../../trainer/gates/run-gates.ts"),
    target: "trainer/gates/run-gates.ts",
  },
  {
    rule: "gateway-not-to-sim",
    from: "src/runtime/fleet-runtime.ts",
    source: importOf("../../sim/sim-server.ts"),
    target: "sim/sim-server.ts",
  },
  {
    rule: "cli-loads-sim-and-trainer-lazily",
    from: "src/embedded-default.ts",
    source: importOf("../sim/sim-server.ts"),
    target: "sim/sim-server.ts",
  },
  {
    rule: "sim-imports-only-the-pure-core",
    from: "sim/sim-server.ts",
    source: importOf("../src/engine/engine-client.ts"),
    target: "src/engine/engine-client.ts",
  },
  {
    rule: "trainer-not-to-sim",
    from: "trainer/gates/gate-benchmarks.ts",
    source: importOf("../../sim/sim-bench.ts"),
    target: "sim/sim-bench.ts",
  },
  {
    rule: "core-is-pure",
    from: "src/core/verdict-parser.ts",
    source: 'import { readFileSync } from "node:fs";\nexport const x = readFileSync;\n',
  },
  {
    rule: "transports-do-not-import-each-other",
    from: "src/grpc/grpc-server.ts",
    source: importOf("../http/health-routes.ts"),
    target: "src/http/health-routes.ts",
  },
  {
    rule: "features-not-to-transports-or-composition",
    from: "src/engine/replica-fleet.ts",
    source: importOf("../runtime/runtime.ts"),
    target: "src/runtime/runtime.ts",
  },
  {
    rule: "features-not-to-metrics",
    from: "src/judge/judge-service.ts",
    source: importOf("../metrics/metrics.ts"),
    target: "src/metrics/metrics.ts",
  },
  {
    rule: "layer: src/store/",
    from: "src/store/verdict-cache.ts",
    source: importOf("../judge/verdict.ts"),
    target: "src/judge/verdict.ts",
  },
  {
    rule: "layer: src/reward/",
    from: "src/reward/reward-service.ts",
    source: importOf("../auth/authenticator.ts"),
    target: "src/auth/authenticator.ts",
  },
  {
    rule: "layer: trainer/core/",
    from: "trainer/core/majority-vote.ts",
    source: importOf("../io/jsonl-files.ts"),
    target: "trainer/io/jsonl-files.ts",
  },
  {
    rule: "layer: trainer/eval/",
    from: "trainer/eval/evaluate.ts",
    source: importOf("../../src/http/app.ts"),
    target: "src/http/app.ts",
  },
  {
    rule: "trainer-core-imports-only-the-pure-core",
    from: "trainer/core/judge-filter.ts",
    source: importOf("../../src/store/prompt-log.ts"),
    target: "src/store/prompt-log.ts",
  },
];

for (const planted of PLANTED) {
  t.test(`a planted violation of ${planted.rule} fails it`, async (t) => {
    const files: Record<string, string> = { [planted.from]: planted.source };
    if (planted.target) files[planted.target] = exporting;
    const found = await violations(tree(files), ["src", "sim", "trainer"]);
    t.ok(
      found.some((v) => v.rule.name === planted.rule && v.from === planted.from),
      `${planted.from} breaks ${planted.rule}: ${JSON.stringify(found.map((v) => v.rule.name))}`,
    );
  });
}

t.test("the same import the other way round is allowed", async (t) => {
  // trainer/ may use the gateway's modules; sim/ may use the pure core.
  const dir = tree({
    "trainer/gates/run-gates.ts": importOf("../../src/judge/judge-service.ts"),
    "src/judge/judge-service.ts": exporting,
    "sim/sim-server.ts": importOf("../src/core/verdict-parser.ts"),
    "src/core/verdict-parser.ts": exporting,
  });
  t.strictSame(await violations(dir, ["src", "sim", "trainer"]), []);
});

t.test("a folder cycle fails even when no module cycle exists", async (t) => {
  const dir = tree({
    "src/judge/a.ts": importOf("../reward/b.ts"),
    "src/reward/b.ts": exporting,
    "src/reward/c.ts": importOf("../judge/d.ts"),
    "src/judge/d.ts": exporting,
  });
  const found = await violations(dir, ["src"]);
  t.ok(
    found.some((v) => v.rule.name === "no-folder-cycles"),
    `folder cycle found: ${JSON.stringify(found.map((v) => v.rule.name))}`,
  );
  t.notOk(
    found.some((v) => v.rule.name === "no-module-cycles"),
    "no module cycle",
  );
});

t.test("a cycle between a folder and its subfolder is a folder cycle too", async (t) => {
  const dir = tree({
    "src/cli.ts": importOf("./cli/parts.ts"),
    "src/cli/parts.ts": exporting,
    "src/cli/serve.ts": importOf("../server.ts"),
    "src/server.ts": exporting,
  });
  t.strictSame(folderCycles(await cruise(dir, ["src"])), [["src", "src/cli"]]);
});

t.test("npm run lint:deps fails on a folder cycle through a subfolder", async (t) => {
  const dir = tree({
    "src/http/app.ts": importOf("./wire/schema.ts"),
    "src/http/wire/schema.ts": importOf("../guards.ts"),
    "src/http/guards.ts": exporting,
  });
  const report = JSON.stringify(await cruise(dir, ["src"]));
  const check = run(process.execPath, ["--import=tsx", join(ROOT, "scripts/folder-cycles.ts")], {
    cwd: ROOT,
  });
  check.child.stdin?.end(report);
  const failed = await check.then(
    () => null,
    (error: { code?: number; stderr?: string }) => error,
  );
  t.equal(failed?.code, 1, "exits 1");
  t.match(failed?.stderr ?? "", "folder cycle: src/http ⇄ src/http/wire");
});
