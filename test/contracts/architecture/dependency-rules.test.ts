import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import t from "tap";

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

/**
 * The cycles of the folder graph: each file's own folder a node (src/ and src/judge/ are two),
 * an import between files of two folders an edge. dependency-cruiser's folder scope counts a
 * folder's subfolders as part of it, so it misses a cycle between a folder and its child.
 */
function folderCycles(report: Cruised): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const module of report.modules) {
    const from = dirname(module.source);
    for (const { resolved } of module.dependencies) {
      const to = dirname(resolved);
      if (to === from || resolved.includes("node_modules") || !resolved.includes("/")) continue;
      edges.set(from, (edges.get(from) ?? new Set()).add(to));
    }
  }
  return stronglyConnected(edges).filter((component) => component.length > 1);
}

/** Tarjan's strongly connected components of a directed graph. */
function stronglyConnected(edges: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const components: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (stack.includes(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        component.push(member);
      } while (member !== node);
      components.push(component.sort());
    }
  };
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return components;
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
