import { dirname } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Cycles of the folder graph in a dependency-cruiser JSON report: each file's own folder a
 * node (src/ and src/judge/ are two), an import between files of two folders an edge.
 * dependency-cruiser's folder scope counts a folder's subfolders as part of it, so it misses a
 * cycle between a folder and its child; `npm run lint:deps` pipes its report through here.
 */

export interface CruiseReport {
  modules: { source: string; dependencies: { resolved: string }[] }[];
}

export function folderCycles(report: CruiseReport): string[][] {
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

/** `depcruise … --output-type json | node --import=tsx scripts/folder-cycles.ts` */
async function main(): Promise<void> {
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  const cycles = folderCycles(JSON.parse(input) as CruiseReport);
  if (cycles.length === 0) {
    process.stdout.write("✔ no folder cycles\n");
    return;
  }
  for (const cycle of cycles) process.stderr.write(`  error folder cycle: ${cycle.join(" ⇄ ")}\n`);
  process.exitCode = 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
