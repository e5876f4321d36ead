import type { LoadFigures } from "./load-figures.ts";
import type { Scenario } from "./scenarios.ts";

/** One scenario's figures over every round, with its same-run comparisons. */
export interface ScenarioResult extends LoadFigures {
  id: string;
  label: string;
  server: Scenario["server"];
  transport: Scenario["transport"];
  connections: number;
  verdictsPerRequest: number;
  /** Photos per request of an image scenario; null for the 3 KB-image ones. */
  images: number | null;
  /** Verdicts per second (requests/s × verdicts per request). */
  verdictsPerSecond: number;
  /** CPU of the loaded server process per verdict (for the sim itself: per call), µs. */
  serverCpuMicrosPerVerdict: number;
  /** CPU of the sim per verdict, µs. */
  simCpuMicrosPerVerdict: number;
  /** The kernel's part of `serverCpuMicrosPerVerdict`, µs. */
  serverSystemMicrosPerVerdict: number;
  /** Page faults (minor + major) of the loaded server process per verdict. */
  serverPageFaultsPerVerdict: number;
  /** Image scenarios: server CPU per verdict ÷ the minimal judge proxy's, same payload. */
  cpuToJudgeProxy: number | null;
  /** Image scenarios: server CPU per verdict ÷ the byte pass-through's, same payload. */
  cpuToPassThrough: number | null;
  /** p50 minus the p50 of the sim called directly at the same concurrency, ms. */
  overheadP50Ms: number | null;
  /** Verdicts/s ÷ the pass-through proxy's requests/s at the same concurrency. */
  ratioToProxy: number | null;
  /** Resident set size of the loaded gateway (or proxy, or sim) right after its last run. */
  serverRssBytes: number;
}

/** Peak RSS of a fresh process under `PEAK_RSS_CONCURRENCY` concurrent 4-image requests. */
export interface PeakRssResult {
  /** RSS after a warm-up at one request in flight, bytes. */
  idleBytes: number;
  /** VmHWM after the load, reset to the idle RSS first; or the highest sample (`method`). */
  peakBytes: number;
  /** The highest VmRSS sampled every 20 ms during the load, bytes. */
  sampledPeakBytes: number;
  method: "VmHWM" | "sampled";
  requests: number;
  failures: Record<string, number>;
}

/** The peak RSS phase for Jurist and for the minimal judge proxy, the same load on each. */
export interface ImagePeakRss {
  jurist: PeakRssResult;
  judgeProxy: PeakRssResult;
}

/** RSS of a fresh gateway over a long run of `pairwise` requests. */
export interface MemoryResult {
  requestsPerStep: number;
  /** RSS after warm-up, then after each step of `requestsPerStep` requests. */
  rssBytes: number[];
  failures: Record<string, number>;
}

type Comparisons = "overheadP50Ms" | "ratioToProxy" | "cpuToJudgeProxy" | "cpuToPassThrough";

/** Fills in the comparisons of each result with the baselines named by its scenario. */
export function compare(
  scenarios: readonly Scenario[],
  results: Map<string, Omit<ScenarioResult, Comparisons>>,
): ScenarioResult[] {
  return scenarios.map((scenario) => {
    const result = results.get(scenario.id)!;
    const baseline = (id: string | undefined) => (id ? results.get(id) : undefined);
    const direct = baseline(scenario.direct);
    const proxy = baseline(scenario.proxy);
    const cpuRatio = (other: typeof result | undefined) =>
      other ? result.serverCpuMicrosPerVerdict / other.serverCpuMicrosPerVerdict : null;
    return {
      ...result,
      overheadP50Ms: direct ? result.p50 - direct.p50 : null,
      ratioToProxy: proxy ? result.verdictsPerSecond / proxy.throughput : null,
      cpuToJudgeProxy: cpuRatio(baseline(scenario.judgeProxy)),
      cpuToPassThrough: cpuRatio(baseline(scenario.passThrough)),
    };
  });
}
