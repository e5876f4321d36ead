/**
 * Summarises a V8 `.cpuprofile` (node --cpu-prof): the functions and the files (or packages)
 * that took the most self time, as shares of all samples; a builtin's time (JSON.parse, a
 * socket write) is charged to the JavaScript function that called it. Used to find what stands between
 * the gateway and its pass-through baseline (see loadtest/RESULTS.md).
 * Run: node --import=tsx loadtest/gateway/profile-summary.ts FILE.cpuprofile [--top 30]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string", default: "30" } },
});
const top = Number(values.top);
const profile = JSON.parse(readFileSync(positionals[0]!, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes)
  for (const child of node.children ?? []) parentOf.set(child, node.id);
const BOOKKEEPING = new Set(["(idle)", "(garbage collector)", "(program)", "(root)"]);

/** The frame a sample is charged to: a builtin's (JSON.parse, writev) nearest JS caller. */
function chargedFrame(id: number): ProfileNode["callFrame"] {
  let node = byId.get(id)!;
  if (BOOKKEEPING.has(node.callFrame.functionName)) return node.callFrame;
  while (!node.callFrame.url && parentOf.has(node.id)) node = byId.get(parentOf.get(node.id)!)!;
  return node.callFrame;
}
const selfSamples = new Map<number, number>();
for (const id of profile.samples) selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1);
const total = profile.samples.length;

/** A file's package (node_modules/<name>) or its path inside the repository. */
function owner(url: string): string {
  if (!url) return "(native / V8)";
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  if (url.startsWith("node:")) return url;
  const repo = /\/(src|loadtest|trainer|test)\/(.*)$/.exec(url);
  return repo ? `${repo[1]}/${repo[2]}` : url;
}

const functions = new Map<string, number>();
const owners = new Map<string, number>();
for (const [id, count] of selfSamples) {
  const { functionName, url, lineNumber } = chargedFrame(id);
  const where = owner(url);
  const name = `${functionName || "(anonymous)"} ${where}:${lineNumber + 1}`;
  functions.set(name, (functions.get(name) ?? 0) + count);
  owners.set(where, (owners.get(where) ?? 0) + count);
}
/** Time inside each function, callees included (each sample counted once per function). */
const inclusive = new Map<string, number>();
for (const [id, count] of selfSamples) {
  const seen = new Set<string>();
  for (let node: number | undefined = id; node !== undefined; node = parentOf.get(node)) {
    const { functionName, url, lineNumber } = byId.get(node)!.callFrame;
    if (!url) continue;
    const name = `${functionName || "(anonymous)"} ${owner(url)}:${lineNumber + 1}`;
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + count);
  }
}
const print = (title: string, entries: Map<string, number>) => {
  process.stdout.write(`\n${title}\n`);
  for (const [name, count] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${((100 * count) / total).toFixed(1).padStart(5)}%  ${name}\n`);
  }
};
process.stdout.write(`${total} samples\n`);
print("Self time by package or file", owners);
print("Self time by function", functions);
print("Total time by function (callees included)", inclusive);
