import { access } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import type { Config } from "../../src/config/config.ts";
import type { Simulation } from "../../src/runtime/embedded-parts.ts";
import type { BenchmarkFormat } from "../eval/load-benchmark.ts";

/** A benchmark file the gates (and the contamination guard) use. */
export interface GateBenchmark {
  name: string;
  format: BenchmarkFormat;
  path: string;
  /** Written by `jurist sim make-bench`: its numbers say nothing about a real judge. */
  simulated: boolean;
}

/** Rows per simulated benchmark file written at first start. */
const SIM_BENCH_ROWS = 300;

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * The benchmarks the gates evaluate on: those in JURIST_BENCHMARKS; in the embedded default
 * (simulated replicas, none configured) simulated files written once under
 * `<data dir>/sim-bench` by the simulator's `jurist sim make-bench`, named as the default
 * gates expect (`vlrb`, `mmrb`, `heldout`). Real replicas with none configured get none: every
 * gate then fails and no candidate is promoted on missing evidence.
 */
export async function resolveGateBenchmarks(
  config: Config,
  simulated: boolean,
  logger: Logger,
  simulation?: Simulation,
): Promise<GateBenchmark[]> {
  if (config.benchmarks.length > 0) {
    return config.benchmarks.map((benchmark) => ({ ...benchmark, simulated: false }));
  }
  if (!simulated || !simulation) return [];
  const dir = join(config.dataDir, "sim-bench");
  const files = {
    vlrb: join(dir, "vlrb.jsonl"),
    mmrb: join(dir, "mmrb.json"),
    heldout: join(dir, "heldout.jsonl"),
  };
  const present = await Promise.all(Object.values(files).map(exists));
  if (!present.every(Boolean)) {
    Object.assign(
      files,
      await simulation.writeBenchmarks(dir, { n: SIM_BENCH_ROWS, seed: config.sim.seed }),
    );
    logger.warn({ dir }, "no JURIST_BENCHMARKS: wrote SIMULATED benchmark files for the gates");
  }
  return [
    { name: "vlrb", format: "vlrb", path: files.vlrb, simulated: true },
    { name: "mmrb", format: "mmrb", path: files.mmrb, simulated: true },
    { name: "heldout", format: "jurist", path: files.heldout, simulated: true },
  ];
}
