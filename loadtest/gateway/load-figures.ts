import { percentile } from "../latency-stats.ts";

/** What one load run measured, whichever generator drove it. */
export interface LoadFigures {
  /** Answers with a 2xx status (or gRPC OK). */
  ok: number;
  /** Items that failed inside a 2xx answer (a batch item, a reward candidate). */
  itemFailures: number;
  /** Everything else by status code or error code. */
  failures: Record<string, number>;
  seconds: number;
  /** Successful requests per second. */
  throughput: number;
  /** Latency of successful requests, ms (sub-millisecond resolution). */
  p50: number;
  p99: number;
  /** CPU the loaded server process (and the sim behind it) used during the runs, seconds. */
  serverCpuSeconds: number;
  simCpuSeconds: number;
}

/** Collects the outcomes of one scenario's runs (rounds add up); `figures` summarises them. */
export function createTally() {
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  let seconds = 0;
  let itemFailures = 0;
  let serverCpuSeconds = 0;
  let simCpuSeconds = 0;
  return {
    /** Adds the CPU the server and the sim used during a run. */
    usedCpu(server: number, sim: number) {
      serverCpuSeconds += server;
      simCpuSeconds += sim;
    },
    /** Adds a run's wall time. */
    ran(runSeconds: number) {
      seconds += runSeconds;
    },
    success(ms: number) {
      latencies.push(ms);
    },
    failure(code: string) {
      failures[code] = (failures[code] ?? 0) + 1;
    },
    /** An item that failed inside a successful answer. */
    itemFailure(code: string) {
      itemFailures += 1;
      failures[`item ${code}`] = (failures[`item ${code}`] ?? 0) + 1;
    },
    figures(): LoadFigures {
      return {
        ok: latencies.length,
        itemFailures,
        failures,
        seconds,
        throughput: latencies.length / seconds,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        serverCpuSeconds,
        simCpuSeconds,
      };
    },
  };
}

/** "3 × 503, 1 × ECONNRESET", or "0". */
export function describeFailures(failures: Record<string, number>): string {
  const entries = Object.entries(failures);
  return entries.length === 0 ? "0" : entries.map(([code, n]) => `${n} × ${code}`).join(", ");
}

export type Tally = ReturnType<typeof createTally>;
