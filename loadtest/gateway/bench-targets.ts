import type { BenchRow } from "../bench-row.ts";
import { fixed, mebibytes } from "../latency-stats.ts";
import type { MemoryResult, ScenarioResult } from "./bench-results.ts";

const RSS_LIMIT_BYTES = 250 * 1000 * 1000;

const times = (ratio: number) => `${fixed(ratio, 2)}×`;
const perSecond = (value: number) => `${Math.round(value).toLocaleString("en")}/s`;

/** The targets, each from figures of this run beside the baseline it is judged by. */
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
