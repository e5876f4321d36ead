import type { BenchmarkItem } from "../core/contamination-guard.ts";
import type { EvalItem } from "./eval-item.ts";

/**
 * Benchmark items as the trainer's contamination guard indexes them: keyed by `key` (ids
 * repeat), with the questions and image hashes no training prompt may share.
 */
export function benchmarkContaminationItems(items: readonly EvalItem[]): BenchmarkItem[] {
  return items.map((item) => ({
    benchmark: item.benchmark,
    id: item.key,
    question: item.question,
    imageSha256s: item.imageSha256s,
  }));
}
