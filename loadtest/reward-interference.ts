/**
 * Interactive latency while a reward batch saturates the fleet, beside interactive latency with
 * no batch load, in the same run (issue 8's target: within 2×), and the same batch with
 * priority classes off as a second baseline showing what the classes buy. Two simulated
 * replica processes at 50 ms behind `jurist serve` processes (4 slots per replica: few, so the
 * fleet, not the gateway's CPU, is what saturates); the loads run here: 20 interactive
 * verdicts/s open loop, 12 reward requests of 8 candidates in flight.
 * Prints a Markdown table and writes results/reward-interference.json. Exits 0 when a target is
 * missed (the table says MISSED), 1 when the benchmark breaks, 2 past 3 minutes.
 * Run: npm run bench:reward
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { Agent } from "undici";
import { serveGateway } from "../test/helpers/serve-process.ts";
import { spawnSim } from "../test/helpers/sim-process.ts";
import {
  type AdmissionPeaks,
  type AdmissionWaits,
  admissionWaits,
  sampleAdmission,
} from "./admission-sampler.ts";
import { type BenchRow, renderTable } from "./bench-row.ts";
import { createBenchScope, progress, sleep } from "./bench-scope.ts";
import {
  type BatchAnswer,
  type BatchSender,
  batchLoad,
  interactiveStream,
  judgeBatchSender,
  rewardSender,
} from "./interference-load.ts";
import { fixed, percentile } from "./latency-stats.ts";

const RUN_LIMIT_MS = 180_000;
const RESULTS_DIR = fileURLToPath(new URL("./results/", import.meta.url));
const REPLICAS = 2;
const SIM_LATENCY_MS = 50;
const SLOTS_PER_REPLICA = 4;
const SLOTS = REPLICAS * SLOTS_PER_REPLICA;
/** Batch's share while interactive traffic is about, at the default reserve of 0.25. */
const BATCH_SHARE = REPLICAS * Math.floor(SLOTS_PER_REPLICA * 0.75);
const INTERACTIVE_RATE = 20;
const MEASURE_MS = 15_000;
const BATCH_ALONE_MS = 8_000;
const WARM_MS = 2_000;
const BATCH_CONCURRENCY = 12;
const CANDIDATES = 8;

interface BatchRun {
  answers: BatchAnswer[];
  seconds: number;
  peaks: AdmissionPeaks;
}

/** Batch load (and gauge sampling) until `stop` aborts. */
async function runBatch(url: string, send: BatchSender, stop: AbortSignal): Promise<BatchRun> {
  const started = performance.now();
  const [answers, peaks] = await Promise.all([
    batchLoad(send, BATCH_CONCURRENCY, stop),
    sampleAdmission(url, 100, stop),
  ]);
  return { answers, peaks, seconds: (performance.now() - started) / 1000 };
}

/** An interactive stream for MEASURE_MS, and how many of its engine calls waited for a slot. */
async function interactive(url: string) {
  const before = await admissionWaits(url);
  const answers = await interactiveStream(url, INTERACTIVE_RATE, MEASURE_MS);
  const after = await admissionWaits(url);
  return { answers, waited: waitedBetween(before, after) };
}

function waitedBetween(before: AdmissionWaits, after: AdmissionWaits) {
  const count = after.interactive.count - before.interactive.count;
  const seconds = after.interactive.seconds - before.interactive.seconds;
  return { count, meanMs: count === 0 ? 0 : (seconds / count) * 1000 };
}

/** The interactive stream while the batch load saturates the fleet. */
async function together(url: string, send: BatchSender) {
  const stop = new AbortController();
  const batch = runBatch(url, send, stop.signal);
  await sleep(500);
  const measured = await interactive(url);
  stop.abort();
  return { interactive: measured, batch: await batch };
}

/** `/v1/reward` when the gateway serves it; else `/v1/judge/batch` marked batch by header. */
async function pickSender(url: string): Promise<{ send: BatchSender; name: string }> {
  const dispatcher = new Agent();
  const probe = await rewardSender(url, 2)(dispatcher);
  await dispatcher.close();
  if (probe.status === 200) {
    const name = `POST /v1/reward (${CANDIDATES} candidates, reference)`;
    return { send: rewardSender(url, CANDIDATES), name };
  }
  progress(`/v1/reward answered ${probe.status} ${probe.code}: falling back to /v1/judge/batch`);
  const name = `POST /v1/judge/batch (${CANDIDATES} items, x-jurist-priority: batch)`;
  return { send: judgeBatchSender(url, CANDIDATES), name };
}

function latency({ answers, waited }: Awaited<ReturnType<typeof interactive>>) {
  const ok = answers.filter((a) => a.status === 200).map((a) => a.ms);
  const failed: Record<string, number> = {};
  for (const { status, code } of answers) {
    if (status !== 200) failed[`${status} ${code}`] = (failed[`${status} ${code}`] ?? 0) + 1;
  }
  const [p50, p99] = [percentile(ok, 50), percentile(ok, 99)];
  return { n: answers.length, ok: ok.length, p50, p99, failed, waited };
}

function throughput(run: BatchRun) {
  const ok = run.answers.filter((a) => a.status === 200);
  return {
    requests: run.answers.length,
    failedRequests: run.answers.length - ok.length,
    candidatesPerSecond: ok.reduce((sum, a) => sum + a.scored, 0) / run.seconds,
    pairsPerSecond: ok.reduce((sum, a) => sum + a.pairs, 0) / run.seconds,
    peakInFlight: run.peaks.batchInFlight,
    peakWaiting: run.peaks.batchWaiting,
  };
}

function describe(l: ReturnType<typeof latency>): string {
  const failures = Object.entries(l.failed).map(([what, count]) => `${count} × ${what}`);
  const shape = l.ok === 0 ? "no verdict" : `p99 ${fixed(l.p99, 0)} ms (p50 ${fixed(l.p50, 0)})`;
  const waits = `${l.waited.count} calls admitted after a wait (mean ${fixed(l.waited.meanMs, 0)} ms)`;
  return `${shape}; ${l.ok}/${l.n} ok${failures.length ? `, ${failures.join(", ")}` : ""}; ${waits}`;
}

function perSecond(t: ReturnType<typeof throughput>): string {
  const failed = `${t.failedRequests}/${t.requests} requests failed`;
  return `${fixed(t.candidatesPerSecond)} candidates/s (${fixed(t.pairsPerSecond)} pairs/s, ${failed})`;
}

async function measure() {
  const scope = createBenchScope();
  try {
    const sims = await Promise.all(
      Array.from({ length: REPLICAS }, (_, seed) =>
        spawnSim(scope, ["--seed", String(seed), "--latency-ms", String(SIM_LATENCY_MS)]),
      ),
    );
    const env = {
      JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
      JURIST_REPLICA_MAX_CONCURRENCY: String(SLOTS_PER_REPLICA),
    };
    const on = await serveGateway(scope, env);
    const { send, name } = await pickSender(on.url);
    progress(`classes on: batch alone (${name}), ${BATCH_ALONE_MS / 1000} s after warm-up`);
    // Batch first: no interactive call has arrived yet, so the reserve is lent from the start.
    await runBatch(on.url, send, AbortSignal.timeout(WARM_MS));
    const alone = await runBatch(on.url, send, AbortSignal.timeout(BATCH_ALONE_MS));
    progress(`classes on: interactive alone, ${INTERACTIVE_RATE}/s for ${MEASURE_MS / 1000} s`);
    await interactiveStream(on.url, INTERACTIVE_RATE, WARM_MS);
    const baseline = await interactive(on.url);
    progress("classes on: interactive while the batch saturates the fleet");
    const loaded = await together(on.url, send);
    await on.stop();

    const off = await serveGateway(scope, { ...env, JURIST_PRIORITY_CLASSES: "false" });
    const offSend = (await pickSender(off.url)).send;
    progress("classes off: the same two loads");
    await runBatch(off.url, offSend, AbortSignal.timeout(WARM_MS));
    await interactiveStream(off.url, INTERACTIVE_RATE, WARM_MS);
    const unclassed = await together(off.url, offSend);
    return { name, alone, baseline, loaded, unclassed };
  } finally {
    await scope.close();
  }
}

type Run = Awaited<ReturnType<typeof measure>>;

function figures(run: Run) {
  return {
    baseline: latency(run.baseline),
    loaded: latency(run.loaded.interactive),
    unclassed: latency(run.unclassed.interactive),
    batchAlone: throughput(run.alone),
    batchBeside: throughput(run.loaded.batch),
    batchUnclassed: throughput(run.unclassed.batch),
  };
}

function rows(f: ReturnType<typeof figures>): BenchRow[] {
  const { baseline, loaded, unclassed, batchAlone, batchBeside, batchUnclassed } = f;
  return [
    {
      measure: "Interactive latency while a reward batch saturates the fleet",
      result: describe(loaded),
      target: `p99 ≤ 2× baseline (${fixed(2 * baseline.p99, 0)} ms), no failures`,
      baseline: `no batch load: ${describe(baseline)}`,
      met: loaded.p99 <= 2 * baseline.p99 && loaded.ok === loaded.n,
    },
    {
      measure: "Same loads, priority classes off (`JURIST_PRIORITY_CLASSES=false`)",
      result: describe(unclassed),
      target: "none: shows what the classes buy",
      baseline: `classes on: p99 ${fixed(loaded.p99, 0)} ms, ${loaded.ok}/${loaded.n} ok`,
      met: true,
    },
    {
      measure: "Batch throughput beside the interactive stream",
      result: `${perSecond(batchBeside)}; peak ${batchBeside.peakInFlight} batch calls in flight, ${batchBeside.peakWaiting} queued`,
      target: `batch holds ≤ its share (${BATCH_SHARE} of ${SLOTS} slots), no failures`,
      baseline: `classes off: ${perSecond(batchUnclassed)}; peak ${batchUnclassed.peakInFlight} in flight`,
      met: batchBeside.peakInFlight <= BATCH_SHARE && batchBeside.failedRequests === 0,
    },
    {
      measure: "Batch alone expands into idle capacity",
      result: `peak ${batchAlone.peakInFlight} batch calls in flight; ${perSecond(batchAlone)}`,
      target: `every slot (${SLOTS}), no failures`,
      baseline: `beside interactive: peak ${batchBeside.peakInFlight}, ${fixed(batchBeside.candidatesPerSecond)} candidates/s`,
      met: batchAlone.peakInFlight === SLOTS && batchAlone.failedRequests === 0,
    },
  ];
}

const limit = setTimeout(() => {
  progress(`benchmark exceeded ${RUN_LIMIT_MS / 1000} s; aborting`);
  process.exit(2);
}, RUN_LIMIT_MS);
limit.unref();

try {
  const run = await measure();
  const raw = figures(run);
  const table = rows(raw);
  const missed = table.filter((row) => !row.met).length;
  const load = loadavg().map((value) => fixed(value));
  process.stdout.write(
    [
      `## Reward interference (${REPLICAS} replicas at ${SIM_LATENCY_MS} ms, ${SLOTS_PER_REPLICA} slots each, node ${process.version})`,
      "",
      `Interactive: ${INTERACTIVE_RATE} pairwise verdicts/s, open loop, ${MEASURE_MS / 1000} s per figure. ` +
        `Batch: ${BATCH_CONCURRENCY} × ${run.name} in flight. Both in fast mode. ` +
        `Load average ${load.join(" ")} on ${availableParallelism()} CPUs at the end.`,
      "",
      renderTable(table),
      "",
      missed === 0 ? "All targets met." : `MISSED: ${missed} of ${table.length} targets.`,
      "",
    ].join("\n"),
  );
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = `${RESULTS_DIR}reward-interference.json`;
  const json = { at: new Date().toISOString(), node: process.version, rows: table, raw };
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  progress(`wrote ${file}`);
} catch (error) {
  progress(`benchmark broke: ${(error as Error).stack ?? error}`);
  process.exitCode = 1;
} finally {
  clearTimeout(limit);
}
