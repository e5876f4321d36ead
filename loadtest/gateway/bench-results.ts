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
  /** Verdicts per second (requests/s × verdicts per request). */
  verdictsPerSecond: number;
  /** CPU of the loaded server process per verdict (for the sim itself: per call), µs. */
  serverCpuMicrosPerVerdict: number;
  /** CPU of the sim per verdict, µs. */
  simCpuMicrosPerVerdict: number;
  /** p50 minus the p50 of the sim called directly at the same concurrency, ms. */
  overheadP50Ms: number | null;
  /** Verdicts/s ÷ the pass-through proxy's requests/s at the same concurrency. */
  ratioToProxy: number | null;
  /** Resident set size of the loaded gateway (or proxy, or sim) right after its last run. */
  serverRssBytes: number;
}

/** RSS of a fresh gateway over a long run of `pairwise` requests. */
export interface MemoryResult {
  requestsPerStep: number;
  /** RSS after warm-up, then after each step of `requestsPerStep` requests. */
  rssBytes: number[];
  failures: Record<string, number>;
}

/** Fills in the comparisons of each result with the baselines named by its scenario. */
export function compare(
  scenarios: readonly Scenario[],
  results: Map<string, Omit<ScenarioResult, "overheadP50Ms" | "ratioToProxy">>,
): ScenarioResult[] {
  return scenarios.map((scenario) => {
    const result = results.get(scenario.id)!;
    const direct = scenario.direct ? results.get(scenario.direct) : undefined;
    const proxy = scenario.proxy ? results.get(scenario.proxy) : undefined;
    return {
      ...result,
      overheadP50Ms: direct ? result.p50 - direct.p50 : null,
      ratioToProxy: proxy ? result.verdictsPerSecond / proxy.throughput : null,
    };
  });
}
