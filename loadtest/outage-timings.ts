import { Agent } from "undici";
import { spawnSim } from "../test/helpers/sim-process.ts";
import {
  type BenchFleet,
  HEALTH_INTERVAL_MS,
  pairwiseBodies,
  simArgs,
  startBenchFleet,
  timedRequest,
} from "./bench-fleet.ts";
import type { BenchRow } from "./bench-row.ts";
import { type BenchScope, progress, sleep } from "./bench-scope.ts";
import { fixed, percentile } from "./latency-stats.ts";

const DOWN_REQUESTS = 200;
const DOWN_TARGET_MS = 100;
const RESUME_TARGET_INTERVALS = 2;
/** Give up waiting for a 200 after this long; the row then reads MISSED. */
const RESUME_GIVE_UP_MS = 10_000;
const RESUME_PROBE_GAP_MS = 5;

/**
 * Phases 1 and 2: every replica SIGKILLed (503 latency beside /healthz latency), then one
 * restarted on its old port (time to the first 200 beside the poll interval).
 */
export async function measureOutage(scope: BenchScope) {
  const fleet = await startBenchFleet(scope, 3);
  const agent = new Agent({ connections: 1 });
  scope.teardown(() => agent.close());
  const judgeUrl = `${fleet.url}/v1/judge/pairwise`;
  const body = pairwiseBodies();
  for (let i = 0; i < 5; i++) {
    const warm = await timedRequest(agent, judgeUrl, body());
    if (warm.status !== 200) throw new Error(`warm-up answered ${warm.status} ${warm.code}`);
  }
  const context = { scope, fleet, agent, judgeUrl, body };
  const down = await allDown(context);
  const resume = await resumeAfterRestart(context);
  return { rows: [...down.rows, resume.row], raw: { allDown: down.raw, resume: resume.raw } };
}

interface OutageContext {
  scope: BenchScope;
  fleet: BenchFleet;
  /** One keep-alive connection, so every figure times a request, not a handshake. */
  agent: Agent;
  judgeUrl: string;
  body: () => unknown;
}

async function allDown({ fleet, agent, judgeUrl, body }: OutageContext) {
  progress("phase 1: SIGKILL all 3 replicas, one poll, then 503 vs /healthz latency");
  await Promise.all(fleet.sims.map((sim) => sim.kill("SIGKILL")));
  await fleet.runtime.fleet.pollNow();
  if (fleet.runtime.fleet.snapshots().some((r) => r.healthy)) {
    throw new Error("a poll after SIGKILL still reports a healthy replica");
  }
  const refused: number[] = [];
  const healthz: number[] = [];
  let unexpected = 0;
  for (let i = 0; i < DOWN_REQUESTS; i++) {
    const answer = await timedRequest(agent, judgeUrl, body());
    if (answer.status !== 503 || answer.code !== "NO_HEALTHY_REPLICA") unexpected++;
    refused.push(answer.ms);
    healthz.push((await timedRequest(agent, `${fleet.url}/healthz`)).ms);
  }
  const figures = {
    p50: percentile(refused, 50),
    p99: percentile(refused, 99),
    healthzP50: percentile(healthz, 50),
    healthzP99: percentile(healthz, 99),
  };
  const note = unexpected > 0 ? ` (${unexpected} not 503 NO_HEALTHY_REPLICA)` : "";
  const row = (p: "p50" | "p99", base: number): BenchRow => ({
    measure: `All replicas down → 503 NO_HEALTHY_REPLICA, ${p} (${DOWN_REQUESTS} sequential)`,
    result: `${fixed(figures[p], 2)} ms${note}`,
    target: `< ${DOWN_TARGET_MS} ms`,
    baseline: `GET /healthz ${p} ${fixed(base, 2)} ms`,
    met: unexpected === 0 && figures[p] < DOWN_TARGET_MS,
  });
  return {
    rows: [row("p50", figures.healthzP50), row("p99", figures.healthzP99)],
    raw: { requests: DOWN_REQUESTS, unexpected, ...figures },
  };
}

async function resumeAfterRestart({ scope, fleet, agent, judgeUrl, body }: OutageContext) {
  const port = fleet.sims[0]!.port;
  progress(`phase 2: restart replica 0 on port ${port}, time to the first 200`);
  await spawnSim(scope, [...simArgs(0), "--port", String(port)]);
  const listening = performance.now();
  let ms = Number.NaN;
  let refused = 0;
  while (performance.now() - listening < RESUME_GIVE_UP_MS) {
    const answer = await timedRequest(agent, judgeUrl, body());
    if (answer.status === 200) {
      ms = performance.now() - listening;
      break;
    }
    refused++;
    await sleep(RESUME_PROBE_GAP_MS);
  }
  const intervals = ms / HEALTH_INTERVAL_MS;
  const row: BenchRow = {
    measure: "Replica returns → first 200 (from its listening line)",
    result: Number.isNaN(ms)
      ? `none within ${RESUME_GIVE_UP_MS} ms`
      : `${fixed(ms, 0)} ms = ${fixed(intervals, 2)} intervals`,
    target: `≤ ${RESUME_TARGET_INTERVALS} intervals (${RESUME_TARGET_INTERVALS * HEALTH_INTERVAL_MS} ms)`,
    baseline: `poll interval ${HEALTH_INTERVAL_MS} ms (configured)`,
    met: intervals <= RESUME_TARGET_INTERVALS,
  };
  return { row, raw: { ms, intervals, refusedBeforeFirst200: refused, port } };
}
