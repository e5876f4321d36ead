/**
 * How long serialising `/metrics` takes and how long it holds the event loop, at ~10k series
 * beside a fresh registry (the baseline, ~200 series) and beside prom-client's own one-pass
 * serialiser at the same 10k, all in this run. The series are the realistic growing kind:
 * replicas, each with engine call counters, a latency histogram and the fleet gauges.
 * Prints a Markdown table. Run: npm run bench:metrics [-- --series 10000 --scrapes 20 --rounds 5]
 */
import { cpus, loadavg } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { Registry } from "prom-client";
import { createMetrics, type FleetGaugeSnapshot, type Metrics } from "../src/metrics/metrics.ts";
import { type BenchRow, renderTable } from "./bench-row.ts";
import { fixed, percentile } from "./latency-stats.ts";

const { values: args } = parseArgs({
  options: {
    series: { type: "string", default: "10000" },
    scrapes: { type: "string", default: "20" },
    rounds: { type: "string", default: "5" },
  },
});
const TARGET_SERIES = Number(args.series);
const SCRAPES = Number(args.scrapes);
const ROUNDS = Number(args.rounds);
/** Longest the event loop may be held by one scrape; a request in flight waits this out. */
const MAX_STALL_MS = 10;
const OUTCOMES = ["ok", "error", "timeout", "cancelled"] as const;

function seriesIn(text: string): number {
  return text.split("\n").filter((line) => line !== "" && !line.startsWith("#")).length;
}

/** Adds replicas (each with its counters, histogram and gauges) until `target` series exist. */
async function populate(metrics: Metrics, target: number): Promise<number> {
  const fleet: FleetGaugeSnapshot[] = [];
  metrics.observeFleet(() => fleet);
  let series = seriesIn(await metrics.registry.metrics());
  while (series < target) {
    for (let batch = 0; batch < 10; batch++) {
      const url = `http://10.0.${fleet.length >> 8}.${fleet.length & 255}:8000`;
      fleet.push({ url, healthy: true, ejected: false, inFlight: 3, running: 2, waiting: 1 });
      for (const outcome of OUTCOMES) metrics.engine.requests.inc({ replica: url, outcome });
      metrics.engine.duration.observe({ replica: url }, 0.2);
      metrics.fleet.ejections.inc({ replica: url });
    }
    series = seriesIn(await metrics.registry.metrics());
  }
  return series;
}

interface ScrapeFigures {
  series: number;
  p50: number;
  p99: number;
  /**
   * The longest stretch between two turns of the event loop while scraping, in this
   * process's CPU time: what the loop is held for on an idle machine, unlike wall time, which
   * on a shared one also counts every descheduling. Median over rounds of each round's worst.
   */
  heldCpu: number;
  /** The same in wall time, descheduling included. */
  heldWall: number;
}

interface Contender {
  series: number;
  serialise: () => Promise<string>;
  times: number[];
  heldCpu: number[];
  heldWall: number[];
}

/**
 * Runs `work` while a setImmediate ticker notes the longest gap between two turns of the
 * event loop, in process CPU time and in wall time (ms).
 */
async function longestTurn(work: () => Promise<void>): Promise<{ cpu: number; wall: number }> {
  let running = true;
  let cpu = 0;
  let wall = 0;
  let lastCpu = process.cpuUsage();
  let lastWall = performance.now();
  const tick = () => {
    const spent = process.cpuUsage(lastCpu);
    const now = performance.now();
    cpu = Math.max(cpu, (spent.user + spent.system) / 1000);
    wall = Math.max(wall, now - lastWall);
    lastCpu = process.cpuUsage();
    lastWall = now;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  await work();
  running = false;
  return { cpu, wall };
}

/** One round: `SCRAPES` scrapes 5 ms apart after a collection, timing each and the loop. */
async function round(contender: Contender): Promise<void> {
  globalThis.gc?.();
  const held = await longestTurn(async () => {
    for (let scrape = 0; scrape < SCRAPES; scrape++) {
      const started = performance.now();
      await contender.serialise();
      contender.times.push(performance.now() - started);
      await sleep(5);
    }
  });
  contender.heldCpu.push(held.cpu);
  contender.heldWall.push(held.wall);
}

function figures(contender: Contender): ScrapeFigures {
  return {
    series: contender.series,
    p50: percentile(contender.times, 50),
    p99: percentile(contender.times, 99),
    heldCpu: percentile(contender.heldCpu, 50),
    heldWall: percentile(contender.heldWall, 50),
  };
}

const describe = (f: ScrapeFigures) =>
  `${f.series} series: scrape p50 ${fixed(f.p50)} ms, p99 ${fixed(f.p99)} ms; loop held ${fixed(f.heldCpu)} ms CPU (${fixed(f.heldWall)} ms wall)`;

const contender = async (serialise: () => Promise<string>) => {
  for (let warm = 0; warm < 10; warm++) await serialise();
  const series = seriesIn(await serialise());
  return { series, serialise, times: [], heldCpu: [], heldWall: [] } satisfies Contender;
};

const loadAtStart = loadavg()[0]!;
const baseline = createMetrics();
const large = createMetrics();
await populate(large, TARGET_SERIES);
const contenders = [
  await contender(() => baseline.registry.metrics()),
  await contender(() => large.registry.metrics()),
  // prom-client's own serialiser on the very same registry: what `/metrics` did before.
  await contender(() => Registry.prototype.metrics.call(large.registry)),
];
// Rounds alternate between the three so drift in machine load hits each alike.
for (let r = 0; r < ROUNDS; r++) for (const each of contenders) await round(each);
const [base, served, stock] = contenders.map(figures) as [
  ScrapeFigures,
  ScrapeFigures,
  ScrapeFigures,
];

const rows: BenchRow[] = [
  {
    measure: `/metrics at ${served.series} series (YieldingRegistry)`,
    result: describe(served),
    target: `loop held ≤ ${MAX_STALL_MS} ms CPU`,
    baseline: describe(base),
    met: served.heldCpu <= MAX_STALL_MS,
  },
  {
    measure: `prom-client's one-pass serialiser at ${stock.series} series`,
    result: describe(stock),
    target: "(what /metrics did before)",
    baseline: describe(base),
    met: true,
  },
];
// Wall figures include any descheduling of this process: read them with the load.
const load = `load average ${fixed(loadAtStart, 2)} → ${fixed(loadavg()[0]!, 2)} on ${cpus().length} CPUs`;
process.stdout.write(`### /metrics serialisation (${load})\n\n${renderTable(rows)}\n`);
