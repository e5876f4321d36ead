import type { Teardown } from "../test/helpers/sim-process.ts";

/** Cleanups for one benchmark phase, in the shape the test helpers take as their `t`. */
export interface BenchScope extends Teardown {
  /** Runs every registered cleanup, newest first; a failing cleanup does not stop the rest. */
  close(): Promise<void>;
}

export function createBenchScope(): BenchScope {
  const cleanups: (() => unknown)[] = [];
  return {
    teardown(fn) {
      cleanups.push(fn);
    },
    async close() {
      for (const cleanup of cleanups.reverse()) {
        try {
          await cleanup();
        } catch (error) {
          progress(`cleanup failed: ${(error as Error).message}`);
        }
      }
      cleanups.length = 0;
    },
  };
}

const startedAt = performance.now();

/** One progress line on stderr, stamped with seconds since the run began. */
export function progress(message: string): void {
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${seconds}s] ${message}\n`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs a benchmark's `body` with a scope for its processes' cleanups, under a time limit:
 * past `limitMs` it reports and exits 2; a thrown error is reported with exit code 1; the
 * scope is closed either way.
 */
export async function runBenchmark(
  limitMs: number,
  body: (scope: BenchScope) => Promise<void>,
): Promise<void> {
  const limit = setTimeout(() => {
    progress(`benchmark exceeded ${limitMs / 1000} s; aborting`);
    process.exit(2);
  }, limitMs);
  limit.unref();
  const scope = createBenchScope();
  try {
    await body(scope);
  } catch (error) {
    progress(`benchmark broke: ${(error as Error).stack ?? error}`);
    process.exitCode = 1;
  } finally {
    await scope.close();
    clearTimeout(limit);
  }
}
