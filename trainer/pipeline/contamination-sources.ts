import type { Logger } from "pino";
import { buildContaminationIndex, type ContaminationIndex } from "../core/contamination-guard.ts";
import { benchmarkContaminationItems } from "../eval/contamination-items.ts";
import { loadBenchmark } from "../eval/load-benchmark.ts";
import type { GateBenchmark } from "../gates/gate-benchmarks.ts";

/**
 * The contamination index over every gate benchmark file (JURIST_BENCHMARKS, or the simulated
 * ones of the embedded default): the
 * questions and image hashes no training prompt may share. A benchmark file that cannot be
 * read stops the trainer — training on possibly contaminated data is worse than not training.
 */
export async function loadContaminationIndex(
  benchmarks: readonly Pick<GateBenchmark, "name" | "format" | "path">[],
  logger: Logger,
): Promise<ContaminationIndex> {
  const items = [];
  for (const benchmark of benchmarks) {
    const loaded = await loadBenchmark(benchmark.path, benchmark.format);
    items.push(...benchmarkContaminationItems(loaded.items));
    const summary = {
      benchmark: benchmark.name,
      items: loaded.items.length,
      rows: loaded.rowsRead,
      malformed: loaded.malformed.length,
    };
    logger.info(summary, "benchmark indexed for the contamination guard");
    if (loaded.malformed.length > 0) {
      // A malformed row's question and images are not indexed: the guard cannot see them.
      logger.warn(
        { ...summary, first: loaded.malformed.slice(0, 5) },
        "benchmark rows the contamination guard cannot index: fix the file or accept the gap",
      );
    }
  }
  return buildContaminationIndex(items);
}
