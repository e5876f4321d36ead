/**
 * Fleet timings that would flake as tests: real sim processes on loopback, an in-process
 * gateway on a loopback port. Prints a Markdown table (every figure beside its target and a
 * baseline from the same run) and writes results/fleet-timings.json. Exits 0 when targets
 * are missed (the table says MISSED); non-zero only when the benchmark itself breaks.
 * Run: npm run bench:fleet
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { HEALTH_INTERVAL_MS, SIM_LATENCY_MS } from "./bench-fleet.ts";
import { type BenchRow, renderTable } from "./bench-row.ts";
import { type BenchScope, createBenchScope, progress } from "./bench-scope.ts";
import { measureOutage } from "./outage-timings.ts";
import { measureOverloadMemory, type OverloadRound, renderRounds } from "./overload-memory.ts";
import { measureReplicaKill } from "./replica-kill-load.ts";
import { measureSlowReplicaAvoidance } from "./slow-replica-share.ts";

/** The whole run must finish within this; past it the process exits 2. */
const RUN_LIMIT_MS = 180_000;
const RESULTS_DIR = fileURLToPath(new URL("./results/", import.meta.url));

type Phase = (scope: BenchScope) => Promise<{ rows: BenchRow[]; raw: Record<string, unknown> }>;

const PHASES: Record<string, Phase> = {
  outage: measureOutage,
  slowReplica: measureSlowReplicaAvoidance,
  replicaKill: measureReplicaKill,
  overloadMemory: measureOverloadMemory,
};

async function runPhase(phase: Phase) {
  const scope = createBenchScope();
  try {
    return await phase(scope);
  } finally {
    await scope.close();
  }
}

const limit = setTimeout(() => {
  progress(`benchmark exceeded ${RUN_LIMIT_MS / 1000} s; aborting`);
  process.exit(2);
}, RUN_LIMIT_MS);
limit.unref();

const rows: BenchRow[] = [];
const raw: Record<string, unknown> = {};
let broken: unknown = null;
for (const [name, phase] of Object.entries(PHASES)) {
  try {
    const result = await runPhase(phase);
    rows.push(...result.rows);
    raw[name] = result.raw;
  } catch (error) {
    broken = error;
    progress(`phase ${name} broke: ${(error as Error).stack ?? error}`);
    break;
  }
}

const rounds = (raw.overloadMemory as { rounds?: OverloadRound[] } | undefined)?.rounds;
const missed = rows.filter((row) => !row.met).length;
const report = [
  `## Fleet timings (${HEALTH_INTERVAL_MS} ms poll interval, replicas at ${SIM_LATENCY_MS} ms, node ${process.version})`,
  "",
  renderTable(rows),
  ...(rounds ? ["", "### Overload rounds", "", renderRounds(rounds)] : []),
  "",
  broken
    ? "BROKEN: the benchmark stopped early (see stderr); the rows above are all it measured."
    : missed === 0
      ? "All targets met."
      : `MISSED: ${missed} of ${rows.length} targets.`,
].join("\n");
process.stdout.write(`${report}\n`);

mkdirSync(RESULTS_DIR, { recursive: true });
const file = `${RESULTS_DIR}fleet-timings.json`;
const json = { at: new Date().toISOString(), node: process.version, rows, raw, broken: !!broken };
writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
progress(`wrote ${file}`);
clearTimeout(limit);
process.exitCode = broken ? 1 : 0;
