import { runLoad, tally } from "../test/helpers/load.ts";
import { pairwiseBodies, startBenchFleet } from "./bench-fleet.ts";
import type { BenchRow } from "./bench-row.ts";
import { type BenchScope, progress, sleep } from "./bench-scope.ts";
import { mebibytes, percent } from "./latency-stats.ts";

const CONCURRENCY = 64;
const MAX_IN_FLIGHT = 2;
const ROUNDS = 5;
const ROUND_MS = 5_000;
const FLAT_TOLERANCE = 0.1;

/** Memory and shedding after one round of overload. */
export interface OverloadRound {
  round: number;
  requests: number;
  overloadedShare: number;
  heapUsed: number;
  rss: number;
  tally: Record<string, number>;
}

/**
 * Phase 5: a replica concurrency limit of 2 under 64-way load, in rounds. Memory after each
 * round (after a forced GC when `--expose-gc` allows) must stay flat: excess load is shed
 * with 503 OVERLOADED, never queued without bound.
 */
export async function measureOverloadMemory(scope: BenchScope) {
  const fleet = await startBenchFleet(scope, 3, {
    JURIST_REPLICA_MAX_CONCURRENCY: String(MAX_IN_FLIGHT),
  });
  const body = pairwiseBodies();
  const rounds: OverloadRound[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    progress(
      `phase 5: overload round ${round}/${ROUNDS} (${CONCURRENCY}-way, limit ${MAX_IN_FLIGHT})`,
    );
    const results = await runLoad({
      url: `${fleet.url}/v1/judge/pairwise`,
      body,
      concurrency: CONCURRENCY,
      durationMs: ROUND_MS,
    });
    const counts = tally(results);
    const overloaded = counts["503 OVERLOADED"] ?? 0;
    const memory = await settledMemory();
    rounds.push({
      round,
      requests: results.length,
      overloadedShare: overloaded / results.length,
      ...memory,
      tally: counts,
    });
  }
  const gcForced = typeof global.gc === "function";
  return { rows: flatnessRows(rounds), raw: { rounds, gcForced } };
}

async function settledMemory(): Promise<{ heapUsed: number; rss: number }> {
  await sleep(100);
  global.gc?.();
  global.gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
}

function flatnessRows(rounds: readonly OverloadRound[]): BenchRow[] {
  const first = rounds[0]!;
  const last = rounds[rounds.length - 1]!;
  const gc = typeof global.gc === "function" ? "after forced GC" : "no forced GC (--expose-gc off)";
  const row = (name: "heapUsed" | "rss"): BenchRow => ({
    measure: `Overload (limit ${MAX_IN_FLIGHT}, ${CONCURRENCY}-way): ${name} after round ${last.round}, ${gc}`,
    result: `${mebibytes(last[name])} (503 OVERLOADED ${percent(last.overloadedShare)} of ${last.requests})`,
    target: `≤ round 1 + ${percent(FLAT_TOLERANCE)}`,
    baseline: `round 1 ${mebibytes(first[name])} (503 OVERLOADED ${percent(first.overloadedShare)} of ${first.requests})`,
    met: last[name] <= first[name] * (1 + FLAT_TOLERANCE),
  });
  return [row("heapUsed"), row("rss")];
}

/** The per-round detail table. */
export function renderRounds(rounds: readonly OverloadRound[]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [
    line(["Round", "Requests", "503 OVERLOADED", "heapUsed", "RSS"]),
    line(["---:", "---:", "---:", "---:", "---:"]),
    ...rounds.map((r) =>
      line([
        String(r.round),
        String(r.requests),
        percent(r.overloadedShare),
        mebibytes(r.heapUsed),
        mebibytes(r.rss),
      ]),
    ),
  ].join("\n");
}
