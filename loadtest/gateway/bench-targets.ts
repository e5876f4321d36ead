import type { BenchRow } from "../bench-row.ts";
import { fixed, mebibytes } from "../latency-stats.ts";
import type { ImagePeakRss, MemoryResult, ScenarioResult } from "./bench-results.ts";
import { imageScenarioId, PEAK_RSS_CONCURRENCY } from "./image-scenarios.ts";

const RSS_LIMIT_BYTES = 250 * 1000 * 1000;

/**
 * "Today's" figures of issue 21's image targets: Jurist at commit a169ff1 (main before any
 * issue-21 change), measured with this benchmark on 2026-12-06 (node 20.20, 2 CPUs shared at
 * load average 5–10): page faults per verdict the mean of three runs (373, 347, 340 for one
 * photo; 998, 906, 920 for four, swap on), peak RSS of two runs of the peak phase (290.5 and
 * 267.3 MiB). loadtest/RESULTS.md, "Image payloads (issue 21)", has the commands and every
 * figure. The targets divide this run's figures by these.
 */
export const BEFORE_ISSUE_21: BeforeFigures = {
  commit: "a169ff1",
  date: "2026-12-06",
  pageFaultsPerVerdict: { onePhotoSwapOff: 353, fourPhotosSwapOn: 941 },
  peakRssBytes: 279 * 1024 * 1024,
};

/** The gateway's image figures at a commit, for targets relative to "today". */
export interface BeforeFigures {
  commit: string;
  date: string;
  /** Page faults per verdict, 1 photo swap off and 4 photos swap on (mean of the runs). */
  pageFaultsPerVerdict: { onePhotoSwapOff: number; fourPhotosSwapOn: number };
  /** Peak RSS with 16 concurrent 4-photo swap-on requests (mean of the runs), bytes. */
  peakRssBytes: number;
}

const times = (ratio: number) => `${fixed(ratio, 2)}×`;
const perSecond = (value: number) => `${Math.round(value).toLocaleString("en")}/s`;

/** The issue's targets, each from figures of this run beside the baseline it is judged by. */
export function targetRows(
  results: readonly ScenarioResult[],
  memory: MemoryResult | null,
): BenchRow[] {
  const byId = new Map(results.map((result) => [result.id, result]));
  const get = (id: string) => {
    const result = byId.get(id);
    if (!result) throw new Error(`no result for ${id}`);
    return result;
  };
  const proxy = get("proxy-fast-c64");
  const swapOff = get("pairwise-fast-swap-off-c64");
  const swapOn = get("pairwise-fast-swap-on-c64");
  const single = get("pairwise-fast-swap-off-c1");
  const direct1 = get("direct-fast-c1");
  const proxy1 = get("proxy-fast-c1");
  const cacheHit = get("cache-hit-fast-c64");
  const collectionOff = get("collection-off-c64");
  const collectionOn = get("collection-on-c64");
  const grpc = get("grpc-unary-fast-swap-off-c64");
  const rows: BenchRow[] = [
    ratioRow(
      "pairwise, swap off, fast, 64 concurrent: verdicts/s vs the pass-through proxy",
      swapOff.verdictsPerSecond,
      proxy.throughput,
      0.8,
      "pass-through proxy",
    ),
    {
      measure: "pairwise, swap off, fast, 1 concurrent: p50 overhead over the sim called directly",
      result: `${fixed(single.p50 - direct1.p50, 3)} ms (p50 ${fixed(single.p50, 3)} ms)`,
      target: "≤ 1 ms",
      baseline: `direct p50 ${fixed(direct1.p50, 3)} ms; proxy adds ${fixed(proxy1.p50 - direct1.p50, 3)} ms`,
      met: single.p50 - direct1.p50 <= 1,
    },
    ratioRow(
      "pairwise, swap on (two engine calls), fast, 64 concurrent: verdicts/s vs the proxy",
      swapOn.verdictsPerSecond,
      proxy.throughput,
      0.45,
      "pass-through proxy",
    ),
    ratioRow(
      "cache hit, 64 concurrent: verdicts/s vs pairwise (swap off, fast)",
      cacheHit.verdictsPerSecond,
      swapOff.verdictsPerSecond,
      2,
      "pairwise, swap off, fast",
    ),
    ratioRow(
      "collection on at 100% (Redis), 64 concurrent: verdicts/s vs collection off",
      collectionOn.verdictsPerSecond,
      collectionOff.verdictsPerSecond,
      0.9,
      "the same gateway setup (Redis) with collection off",
    ),
    ratioRow(
      "gRPC unary, 64 concurrent: verdicts/s vs HTTP for the same verdicts",
      grpc.verdictsPerSecond,
      swapOff.verdictsPerSecond,
      0.7,
      "HTTP pairwise, swap off, fast",
    ),
  ];
  if (memory) rows.push(...memoryRows(memory));
  return rows;
}

function ratioRow(
  measure: string,
  value: number,
  baseline: number,
  minimum: number,
  baselineName: string,
): BenchRow {
  return {
    measure,
    result: `${times(value / baseline)} (${perSecond(value)})`,
    target: `≥ ${minimum}×`,
    baseline: `${baselineName}: ${perSecond(baseline)}`,
    met: value / baseline >= minimum,
  };
}

function memoryRows(memory: MemoryResult): BenchRow[] {
  const [start, first, second] = memory.rssBytes as [number, number, number];
  const steps = memory.requestsPerStep.toLocaleString("en");
  const growth = second / first - 1;
  return [
    {
      measure: `gateway RSS after ${(2 * memory.requestsPerStep).toLocaleString("en")} requests vs after ${steps}`,
      result: `${mebibytes(second)} (${growth >= 0 ? "+" : ""}${fixed(growth * 100)}%)`,
      target: "within 10%",
      baseline: `after ${steps}: ${mebibytes(first)}; after warm-up: ${mebibytes(start)}`,
      met: Math.abs(growth) <= 0.1,
    },
    {
      measure: `gateway RSS, highest of the run`,
      result: mebibytes(Math.max(...memory.rssBytes)),
      target: "< 250 MB (238.4 MiB)",
      baseline: `after warm-up: ${mebibytes(start)}`,
      met: Math.max(...memory.rssBytes) < RSS_LIMIT_BYTES,
    },
  ];
}

const ONE_PHOTO = { images: 1, swap: false } as const;
const FOUR_PHOTOS_SWAP_ON = { images: 4, swap: true } as const;

/**
 * Issue 21's image targets, from the rows of this run that hold them (all of them in a full
 * run; under `--only`, those whose scenarios ran): Jurist's CPU per verdict against the
 * minimal judge proxy and the byte pass-through of the same run, page faults per verdict and
 * peak RSS against BEFORE_ISSUE_21 (the same run's minimal judge proxy beside them).
 */
export function imageTargetRows(
  results: readonly ScenarioResult[],
  peak: ImagePeakRss | null,
  before: BeforeFigures = BEFORE_ISSUE_21,
): BenchRow[] {
  const byId = new Map(results.map((result) => [result.id, result]));
  const rows: BenchRow[] = [];
  const cases = [
    { payload: ONE_PHOTO, name: "1 photo, swap off", judgeProxyMax: 0.6 },
    { payload: FOUR_PHOTOS_SWAP_ON, name: "4 photos, swap on", judgeProxyMax: 0.8 },
  ];
  for (const { payload, name, judgeProxyMax } of cases) {
    const jurist = byId.get(imageScenarioId(payload));
    if (!jurist) continue;
    const cpu = jurist.serverCpuMicrosPerVerdict;
    const judgeProxy = jurist.cpuToJudgeProxy;
    if (judgeProxy !== null) {
      rows.push(
        atMostRow(
          `${name}: CPU per verdict vs the minimal judge proxy`,
          judgeProxy,
          judgeProxyMax,
          `${microseconds(cpu)} (sys ${microseconds(jurist.serverSystemMicrosPerVerdict)})`,
          `minimal judge proxy: ${microseconds(cpu / judgeProxy)}`,
        ),
      );
    }
    const passThrough = jurist.cpuToPassThrough;
    if (passThrough !== null) {
      rows.push(
        atMostRow(
          `${name}: CPU per verdict vs the byte pass-through`,
          passThrough,
          2.5,
          microseconds(cpu),
          `byte pass-through: ${microseconds(cpu / passThrough)}`,
        ),
      );
    }
    const beforeFaults =
      payload.images === 1
        ? before.pageFaultsPerVerdict.onePhotoSwapOff
        : before.pageFaultsPerVerdict.fourPhotosSwapOn;
    const faults = jurist.serverPageFaultsPerVerdict;
    const judgeProxyFaults = byId.get(`judge-proxy-${imageScenarioId(payload)}`);
    rows.push(
      atMostRow(
        `${name}: page faults per verdict vs ${before.commit}`,
        faults / beforeFaults,
        0.1,
        `${count(faults)}/verdict`,
        `${before.commit} (${before.date}): ${count(beforeFaults)}/verdict` +
          (judgeProxyFaults
            ? `; minimal judge proxy: ${count(judgeProxyFaults.serverPageFaultsPerVerdict)}/verdict`
            : ""),
      ),
    );
  }
  if (peak) {
    rows.push(
      atMostRow(
        `peak RSS, ${PEAK_RSS_CONCURRENCY} concurrent 4-photo swap-on requests, fresh gateway, vs ${before.commit}`,
        peak.jurist.peakBytes / before.peakRssBytes,
        0.5,
        `${mebibytes(peak.jurist.peakBytes)} (idle ${mebibytes(peak.jurist.idleBytes)}; ${peak.jurist.method})`,
        `${before.commit}: ${mebibytes(before.peakRssBytes)}; minimal judge proxy: ${mebibytes(peak.judgeProxy.peakBytes)} (idle ${mebibytes(peak.judgeProxy.idleBytes)})`,
      ),
    );
  }
  return rows;
}

const microseconds = (value: number) => `${Math.round(value).toLocaleString("en")} µs`;
const count = (value: number) => Math.round(value).toLocaleString("en");

/** A row whose ratio must stay at or under `maximum`. */
function atMostRow(
  measure: string,
  ratio: number,
  maximum: number,
  figure: string,
  baseline: string,
): BenchRow {
  return {
    measure,
    result: `${times(ratio)} (${figure})`,
    target: `≤ ${maximum}×`,
    baseline,
    met: ratio <= maximum,
  };
}
