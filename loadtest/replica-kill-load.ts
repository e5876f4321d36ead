import { runLoad, tally } from "../test/helpers/load.ts";
import { type BenchFleet, pairwiseBodies, startBenchFleet } from "./bench-fleet.ts";
import type { BenchRow } from "./bench-row.ts";
import { type BenchScope, progress } from "./bench-scope.ts";
import { fixed } from "./latency-stats.ts";

const CONCURRENCY = 32;
const DURATION_MS = 30_000;
const KILL_AT_MS = 10_000;
/** Two of three replicas left: anything above two thirds of the throughput before is fine. */
const THROUGHPUT_TARGET_RATIO = 2 / 3;

/**
 * Phase 4: three replicas under 32-way load for 30 s; one is SIGKILLed at 10 s. Counts failed
 * client requests and compares throughput before and after the kill.
 */
export async function measureReplicaKill(scope: BenchScope) {
  const fleet = await startBenchFleet(scope, 3);
  const victim = fleet.sims[1]!;
  progress(
    `phase 4: ${CONCURRENCY}-way load for ${DURATION_MS / 1000} s, SIGKILL replica 1 at ${KILL_AT_MS / 1000} s`,
  );
  const startedAt = Date.now();
  let killedAt = Number.NaN;
  const killer = setTimeout(() => {
    killedAt = Date.now();
    progress("phase 4: SIGKILL replica 1");
    void victim.kill("SIGKILL");
  }, KILL_AT_MS);
  scope.teardown(() => clearTimeout(killer));
  const downs = watchUnhealthy(fleet, () => (Number.isNaN(killedAt) ? null : victim.url));
  scope.teardown(downs.stop);
  const results = await runLoad({
    url: `${fleet.url}/v1/judge/pairwise`,
    body: pairwiseBodies(),
    concurrency: CONCURRENCY,
    durationMs: DURATION_MS,
  });
  const endedAt = results.reduce((last, r) => Math.max(last, r.endedAt), startedAt);
  if (Number.isNaN(killedAt)) throw new Error("the load ended before the kill");
  const failed = results.filter((r) => r.status !== 200).length;
  const failedBefore = results.filter((r) => r.status !== 200 && r.endedAt < killedAt).length;
  const countIn = (from: number, to: number) =>
    results.filter((r) => r.endedAt >= from && r.endedAt < to).length;
  const before = countIn(startedAt, killedAt) / ((killedAt - startedAt) / 1000);
  const after = countIn(killedAt, endedAt + 1) / ((endedAt + 1 - killedAt) / 1000);
  const rows: BenchRow[] = [
    {
      measure: "Kill 1 of 3 under 32-way load: failed client requests",
      result: `${failed} of ${results.length}`,
      target: "0",
      baseline: `${results.length} requests in ${fixed((endedAt - startedAt) / 1000)} s; ${failedBefore} failed before the kill`,
      met: failed === 0,
    },
    {
      measure: "Kill 1 of 3: throughput after the kill",
      result: `${fixed(after)} req/s`,
      target: `≥ ${fixed(THROUGHPUT_TARGET_RATIO * 100, 0)}% of before`,
      baseline: `before the kill ${fixed(before)} req/s`,
      met: after >= THROUGHPUT_TARGET_RATIO * before,
    },
  ];
  return {
    rows,
    raw: {
      total: results.length,
      failed,
      failedBefore,
      before,
      after,
      tally: tally(results),
      unhealthySeen: [...downs.seen],
    },
  };
}

/**
 * Samples the fleet every 100 ms and keeps each distinct `url: lastError` of a replica marked
 * down, bar the one killed on purpose, so failures before the kill can be told apart.
 */
function watchUnhealthy(fleet: BenchFleet, expectedDown: () => string | null) {
  const seen = new Set<string>();
  const timer = setInterval(() => {
    for (const replica of fleet.runtime.fleet.snapshots()) {
      if (replica.healthy || replica.url === expectedDown()) continue;
      const entry = `${replica.url}: ${replica.lastError}`;
      if (!seen.has(entry)) progress(`phase 4: replica down unexpectedly: ${entry}`);
      seen.add(entry);
    }
  }, 100);
  return { seen, stop: () => clearInterval(timer) };
}
