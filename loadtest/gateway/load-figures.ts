import { percentile } from "../latency-stats.ts";
import type { ProcessUsage } from "../process-usage.ts";

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
  /** The part of `serverCpuSeconds` spent in the kernel, seconds. */
  serverSystemSeconds: number;
  /** Page faults (minor + major) of the loaded server process during the runs. */
  serverPageFaults: number;
}

/** What a process used between two readings of its /proc counters. */
export function usageBetween(before: ProcessUsage, after: ProcessUsage): ProcessUsage {
  return {
    userSeconds: after.userSeconds - before.userSeconds,
    systemSeconds: after.systemSeconds - before.systemSeconds,
    pageFaults: after.pageFaults - before.pageFaults,
  };
}

/** Collects the outcomes of one scenario's runs (rounds add up); `figures` summarises them. */
export function createTally() {
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  let seconds = 0;
  let itemFailures = 0;
  let serverCpuSeconds = 0;
  let serverSystemSeconds = 0;
  let serverPageFaults = 0;
  let simCpuSeconds = 0;
  return {
    /** Adds what the server used during a run (`usageBetween`) and the sim's CPU seconds. */
    used(server: ProcessUsage, simSeconds: number) {
      serverCpuSeconds += server.userSeconds + server.systemSeconds;
      serverSystemSeconds += server.systemSeconds;
      serverPageFaults += server.pageFaults;
      simCpuSeconds += simSeconds;
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
        serverSystemSeconds,
        serverPageFaults,
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
