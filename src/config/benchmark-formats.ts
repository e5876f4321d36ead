/**
 * The formats a benchmark file may come in, each named by its benchmark. Declared here, beside
 * JURIST_BENCHMARKS that names them, so the gateway's config needs nothing from `trainer/`;
 * the loaders (`trainer/eval/load-benchmark.ts`) re-export them.
 */
export const BENCHMARK_FORMATS = ["vlrb", "mmrb", "rewardbench", "jurist"] as const;

export type BenchmarkFormat = (typeof BENCHMARK_FORMATS)[number];
