/** One group of an official breakdown (a subset, a category, or everything). */
export interface OfficialGroup {
  /** Items counted. */
  n: number;
  /** Sum of the counted items' scores (a tie, or RewardBench's unparseable, adds 0.5). */
  correct: number;
  /** `correct / n`; null when nothing counted. */
  accuracy: number | null;
}

/** The benchmarks with an official scorer; Jurist's own JSONL has none. */
export type OfficialBenchmark = "rewardbench" | "vlrb" | "mmrb";

/**
 * A benchmark's figures as its official script computes them, from one order per item.
 * `figures` holds the numbers the script prints or the leaderboard shows, under its names;
 * nothing is added that the script does not compute (MMRB gets no macro).
 */
export interface OfficialScore {
  benchmark: OfficialBenchmark;
  /** The official repository, files and commit followed. */
  follows: string;
  /** Which order of each item is counted, and how it was chosen. */
  order: string;
  /** What an unparseable (or tie) verdict scores. */
  unparseable: string;
  /** Judged items the figures count. */
  counted: number;
  /** Judged items left out of every figure, by why (VLRB: a repeat, an unparseable verdict). */
  dropped: Record<string, number>;
  /**
   * Counted orders that named no response, by kind (`unparseable`, `tie`), whatever became of
   * them under `unparseable` (0.5, dropped, a coin).
   */
  unresolved: { unparseable: number; tie: number };
  /** The headline numbers; null where the script has nothing to divide by. */
  figures: Record<string, number | null>;
  /** The per-subset or per-category breakdown the script prints, in name order. */
  groups: Record<string, OfficialGroup>;
}

/** Per-group sums of item scores, groups in name order. */
export function groupScores(
  scored: readonly { group: string; score: number }[],
): Record<string, OfficialGroup> {
  const sums = new Map<string, { n: number; correct: number }>();
  for (const { group, score } of scored) {
    const sum = sums.get(group) ?? { n: 0, correct: 0 };
    sum.n++;
    sum.correct += score;
    sums.set(group, sum);
  }
  return Object.fromEntries(
    [...sums.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, { n, correct }]) => [name, { n, correct, accuracy: correct / n }]),
  );
}
