/**
 * Routing at 20 gateways × 50 replicas (issue 20): p50/p99 queue wait with the routing rule
 * before the fix (in-flight + the polled queue, `polledQueueLoad`), the same with the queue
 * ignored (in-flight only, for reference) and the rule now in use (`extrapolatedLoad`), beside
 * one gateway in front of the same fleet as the same-run baseline. Every decision is made by the
 * real `routeRequest`; the fleet, the polls and the traffic are simulated (routing-fleet.ts
 * says what is modelled). Seeded: the same flags give the same table. A few seconds.
 * Run: npm run bench:routing [-- --gateways 20 --replicas 50 --utilisation 0.95 --seeds 3]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { extrapolatedLoad, type LoadRule, polledQueueLoad } from "../src/engine/replica-routing.ts";
import { type BenchRow, renderTable } from "./bench-row.ts";
import { fixed } from "./latency-stats.ts";
import { type FleetModel, type FleetOutcome, simulateFleet } from "./routing-fleet.ts";

const { values: args } = parseArgs({
  options: {
    gateways: { type: "string", default: "20" },
    replicas: { type: "string", default: "50" },
    slots: { type: "string", default: "32" },
    "service-median-ms": { type: "string", default: "800" },
    "service-sigma": { type: "string", default: "0.5" },
    utilisation: { type: "string", default: "0.95" },
    "max-in-flight": { type: "string", default: "128" },
    "poll-interval-ms": { type: "string", default: "2000" },
    "duration-s": { type: "string", default: "60" },
    seeds: { type: "string", default: "3" },
  },
});

const MODEL: Omit<FleetModel, "gateways" | "seed"> = {
  replicas: Number(args.replicas),
  slots: Number(args.slots),
  serviceMedianMs: Number(args["service-median-ms"]),
  serviceSigma: Number(args["service-sigma"]),
  utilisation: Number(args.utilisation),
  maxInFlightPerReplica: Number(args["max-in-flight"]),
  pollIntervalMs: Number(args["poll-interval-ms"]),
  durationMs: Number(args["duration-s"]) * 1000,
  warmupMs: 10_000,
};
const GATEWAYS = Number(args.gateways);
const SEEDS = Array.from({ length: Number(args.seeds) }, (_, index) => index + 1);

/** In-flight only: what routing would do with the polled queue dropped (a reference row). */
const inFlightOnly: LoadRule = () => (replica) => replica.inFlight;

const RULES: Record<string, LoadRule> = {
  "before: in-flight + polled queue": polledQueueLoad,
  "reference: in-flight only": inFlightOnly,
  "now: extrapolated load": extrapolatedLoad,
};

interface Measured {
  gateways: number;
  rule: string;
  /** Median over seeds of each figure. */
  p50WaitMs: number;
  p99WaitMs: number;
  /** Lowest and highest p99 over seeds. */
  p99RangeMs: [number, number];
  meanWaitMs: number;
  waitedShare: number;
  calls: number;
  probesPerReplicaPerSecond: number;
}

function measure(gateways: number, rule: string): Measured {
  const outcomes: FleetOutcome[] = SEEDS.map((seed) =>
    simulateFleet({ ...MODEL, gateways, seed }, RULES[rule]!),
  );
  const median = (pick: (outcome: FleetOutcome) => number) => {
    const values = outcomes.map(pick).sort((a, b) => a - b);
    return values[(values.length - 1) >> 1]!;
  };
  const p99s = outcomes.map((outcome) => outcome.p99WaitMs);
  return {
    gateways,
    rule,
    p50WaitMs: median((o) => o.p50WaitMs),
    p99WaitMs: median((o) => o.p99WaitMs),
    p99RangeMs: [Math.min(...p99s), Math.max(...p99s)],
    meanWaitMs: median((o) => o.meanWaitMs),
    waitedShare: median((o) => o.waitedShare),
    calls: outcomes.reduce((sum, o) => sum + o.calls, 0),
    probesPerReplicaPerSecond: median((o) => o.probesPerReplicaPerSecond),
  };
}

const started = performance.now();
const results: Measured[] = [];
for (const gateways of [1, GATEWAYS]) {
  for (const rule of Object.keys(RULES)) {
    process.stderr.write(`${gateways} gateway(s), ${rule}…\n`);
    results.push(measure(gateways, rule));
  }
}
const find = (gateways: number, rule: string) =>
  results.find((r) => r.gateways === gateways && r.rule === rule)!;
const [before, reference, now] = Object.keys(RULES);
const oneBefore = find(1, before!);
const oneNow = find(1, now!);
const manyBefore = find(GATEWAYS, before!);
const manyReference = find(GATEWAYS, reference!);
const manyNow = find(GATEWAYS, now!);

const ms = (value: number) => `${fixed(value, 0)} ms`;
/** The share of the rule-before p99 the fix must take off at many gateways. */
const REQUIRED_GAIN = 0.5;
const rows: BenchRow[] = [
  {
    measure: `p99 queue wait, ${GATEWAYS} × ${MODEL.replicas}, rule now`,
    result: `${ms(manyNow.p99WaitMs)} (${fixed(manyNow.p99WaitMs / oneNow.p99WaitMs)}× one gateway's)`,
    target: "reported against one gateway's",
    baseline: `1 gateway × ${MODEL.replicas}: ${ms(oneNow.p99WaitMs)}`,
    met: true,
  },
  {
    measure: `p99 queue wait, ${GATEWAYS} × ${MODEL.replicas}: rule now vs before`,
    result: `${fixed((1 - manyNow.p99WaitMs / manyBefore.p99WaitMs) * 100)}% lower`,
    target: `≥ ${fixed(REQUIRED_GAIN * 100, 0)}% lower`,
    baseline: `before ${ms(manyBefore.p99WaitMs)}, in-flight only ${ms(manyReference.p99WaitMs)}`,
    met: manyNow.p99WaitMs <= (1 - REQUIRED_GAIN) * manyBefore.p99WaitMs,
  },
  {
    measure: `p99 queue wait, 1 × ${MODEL.replicas}: rule now`,
    result: ms(oneNow.p99WaitMs),
    target: "no worse than before",
    baseline: `rule before: ${ms(oneBefore.p99WaitMs)}`,
    met: oneNow.p99WaitMs <= oneBefore.p99WaitMs,
  },
  {
    measure: `probe requests per replica per second, ${GATEWAYS} gateways`,
    result: fixed(manyNow.probesPerReplicaPerSecond),
    target: "stated",
    baseline: `1 gateway: ${fixed(oneNow.probesPerReplicaPerSecond)}`,
    met: true,
  },
];

const detail = [
  "| Gateways | Rule | p50 wait | p99 wait (range over seeds) | mean wait | calls that waited | calls |",
  "| ---: | --- | ---: | ---: | ---: | ---: | ---: |",
  ...results.map(
    (r) =>
      `| ${r.gateways} | ${r.rule} | ${ms(r.p50WaitMs)} | ${ms(r.p99WaitMs)} (${fixed(r.p99RangeMs[0], 0)}–${fixed(r.p99RangeMs[1], 0)}) | ${ms(r.meanWaitMs)} | ${fixed(r.waitedShare * 100)}% | ${r.calls} |`,
  ),
].join("\n");

const meanServiceMs = MODEL.serviceMedianMs * Math.exp(MODEL.serviceSigma ** 2 / 2);
const header = [
  `Fleet: ${MODEL.replicas} replicas × ${MODEL.slots} slots, service time log-normal (median ${MODEL.serviceMedianMs} ms, σ ${MODEL.serviceSigma}, mean ${fixed(meanServiceMs, 0)} ms),`,
  `offered load ${fixed(MODEL.utilisation * 100, 0)}% of capacity (${fixed((MODEL.utilisation * MODEL.replicas * MODEL.slots * 1000) / meanServiceMs, 0)} calls/s), poll every ${MODEL.pollIntervalMs} ms,`,
  `${MODEL.maxInFlightPerReplica} in flight per replica per gateway; ${MODEL.durationMs / 1000} s measured after 10 s of warm-up; seeds ${SEEDS.join(", ")} (median shown).`,
].join("\n");
const output = `${header}\n\n${renderTable(rows)}\n\n${detail}\n`;
process.stdout.write(output);
process.stderr.write(`done in ${fixed((performance.now() - started) / 1000)} s\n`);
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));
mkdirSync(resultsDir, { recursive: true });
writeFileSync(
  `${resultsDir}routing-herding.json`,
  `${JSON.stringify({ model: MODEL, gateways: GATEWAYS, seeds: SEEDS, results, rows }, null, 2)}\n`,
);
