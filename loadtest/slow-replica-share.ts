import type { Runtime } from "../src/runtime/runtime.ts";
import { runLoad, tally } from "../test/helpers/load.ts";
import { callsByReplica, pairwiseBodies, SIM_LATENCY_MS, startBenchFleet } from "./bench-fleet.ts";
import type { BenchRow } from "./bench-row.ts";
import { type BenchScope, progress } from "./bench-scope.ts";
import { fixed, percent } from "./latency-stats.ts";

const CONCURRENCY = 32;
const WARM_MS = 1_000;
const BEFORE_MS = 5_000;
const SLOW_MS = 10_000;
const SLOWDOWN = 10;
const TARGET_SHARE = 0.8;

/**
 * Phase 3: three replicas at 20 ms under 32-way load; one turns 10× slower. Measures the share
 * of successful engine calls that went elsewhere, before and after the slowdown.
 */
export async function measureSlowReplicaAvoidance(scope: BenchScope) {
  const fleet = await startBenchFleet(scope, 3);
  const slow = fleet.sims[2]!;
  const body = pairwiseBodies();
  const load = (durationMs: number) =>
    runLoad({ url: `${fleet.url}/v1/judge/pairwise`, body, concurrency: CONCURRENCY, durationMs });
  progress(`phase 3: ${CONCURRENCY}-way load, ${BEFORE_MS / 1000} s uniform then one replica slow`);
  await load(WARM_MS);
  const before = await avoidedShare(fleet.runtime, slow.url, () => load(BEFORE_MS));
  await slow.control({ latency_ms: SIM_LATENCY_MS * SLOWDOWN });
  progress(`phase 3: replica 2 now at ${SIM_LATENCY_MS * SLOWDOWN} ms for ${SLOW_MS / 1000} s`);
  const after = await avoidedShare(fleet.runtime, slow.url, () => load(SLOW_MS));
  const uniform = 2 / 3;
  const row: BenchRow = {
    measure: `Slow replica (${SLOWDOWN}× latency) avoided: share of ok engine calls elsewhere`,
    result: `${percent(after.share)} of ${after.calls} (calls seen ${fixed(after.latencyRatio)}× slower)`,
    target: `≥ ${percent(TARGET_SHARE)}`,
    baseline: `uniform random ${percent(uniform)}; measured before slowdown ${percent(before.share)} of ${before.calls}`,
    met: after.share >= TARGET_SHARE,
  };
  return { rows: [row], raw: { uniform, before, after, slowLatencyMs: SIM_LATENCY_MS * SLOWDOWN } };
}

/** Runs `load` and returns the share of ok engine calls it caused that avoided `slowUrl`. */
async function avoidedShare(
  runtime: Runtime,
  slowUrl: string,
  load: () => ReturnType<typeof runLoad>,
) {
  const start = await callsByReplica(runtime);
  const results = await load();
  const end = await callsByReplica(runtime);
  const fast = { ok: 0, timed: 0, seconds: 0 };
  const slow = { ok: 0, timed: 0, seconds: 0 };
  for (const [replica, now] of end) {
    const then = start.get(replica) ?? { ok: 0, timed: 0, seconds: 0 };
    const into = replica === slowUrl ? slow : fast;
    into.ok += now.ok - then.ok;
    into.timed += now.timed - then.timed;
    into.seconds += now.seconds - then.seconds;
  }
  const calls = fast.ok + slow.ok;
  const share = calls === 0 ? Number.NaN : fast.ok / calls;
  const meanMs = (side: typeof fast) => (side.seconds / side.timed) * 1000;
  const latencyRatio = meanMs(slow) / meanMs(fast);
  progress(`  ${calls} ok engine calls, ${fixed(share * 100)}% avoided the slow replica`);
  return {
    share,
    calls,
    onSlow: slow.ok,
    fastCallMs: meanMs(fast),
    slowCallMs: meanMs(slow),
    latencyRatio,
    clientResults: tally(results),
  };
}
