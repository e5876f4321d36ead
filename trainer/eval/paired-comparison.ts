import { type Interval, percentileInterval } from "./confidence-intervals.ts";
import type { ItemScore } from "./item-score.ts";
import { mcnemarExactPValue } from "./mcnemar.ts";
import {
  type BootstrapOptions,
  bootstrapStratumMeans,
  groupByCategory,
} from "./stratified-bootstrap.ts";

/** Candidate minus champion on the same items; `ci` is the paired bootstrap's 95% interval. */
export interface PairedDifference {
  candidate: number;
  champion: number;
  difference: number;
  ci: Interval;
}

export interface PairedComparison {
  /** Items both judges have an accuracy for; every figure below is over these only. */
  items: number;
  /** Keys only one judge has an accuracy for (missing from the other, or excluded there). */
  unpaired: number;
  /** Micro accuracies. */
  overall: PairedDifference;
  /** Means of the category accuracies. */
  macro: PairedDifference;
  /** By lower-case category name, in name order. */
  categories: Record<string, PairedDifference & { n: number }>;
  /**
   * Exact McNemar: `b` items where the candidate scored higher, `c` where the champion did.
   * With 0/1 scores these are McNemar's discordant pairs; with two-order scores (0, .25, … 1)
   * it is the sign test on the paired differences, of which McNemar is the 0/1 case.
   */
  mcnemar: { b: number; c: number; p_value: number };
}

interface Pair {
  category: string;
  candidate: number;
  champion: number;
}

const sum = (values: ArrayLike<number>) => Array.from(values).reduce((a, b) => a + b, 0);
const mean = (values: ArrayLike<number>) => sum(values) / values.length;

function countedByKey(scores: readonly ItemScore[], judge: string): Map<string, ItemScore> {
  const byKey = new Map<string, ItemScore>();
  const seen = new Set<string>();
  for (const score of scores) {
    if (seen.has(score.key)) throw new RangeError(`${judge} scores item ${score.key} twice`);
    seen.add(score.key);
    if (score.accuracy !== null) byKey.set(score.key, score);
  }
  return byKey;
}

function pairScores(candidate: readonly ItemScore[], champion: readonly ItemScore[]) {
  const candidates = countedByKey(candidate, "the candidate");
  const champions = countedByKey(champion, "the champion");
  const pairs: Pair[] = [];
  for (const [key, score] of candidates) {
    const other = champions.get(key);
    if (!other) continue;
    pairs.push({ category: score.category, candidate: score.accuracy!, champion: other.accuracy! });
  }
  return { pairs, unpaired: candidates.size + champions.size - 2 * pairs.length };
}

function pairedDifference(
  candidate: number,
  champion: number,
  replicates: ArrayLike<number>,
): PairedDifference {
  return {
    candidate,
    champion,
    difference: candidate - champion,
    ci: percentileInterval(replicates),
  };
}

type CategoryDifferences = PairedComparison["categories"];

/** Per category: the observed difference and the interval of that stratum's resampled means. */
function categoryDifferences(
  groups: readonly [string, Pair[]][],
  resampled: readonly Float64Array[],
): CategoryDifferences {
  const categories: CategoryDifferences = {};
  groups.forEach(([name, group], s) => {
    const { candidate, champion } = accuracies(group);
    const replicates = resampled.map((means) => means[s]!);
    categories[name] = { n: group.length, ...pairedDifference(candidate, champion, replicates) };
  });
  return categories;
}

/**
 * Compares two judges on the items both scored: the accuracy difference (micro, macro and per
 * category) with a paired bootstrap interval stratified by category — each resample draws the
 * same items for both judges, so the items' shared difficulty cancels — and an exact McNemar
 * test. Throws RangeError when no item was scored by both, or a judge scores a key twice.
 */
export function comparePaired(
  candidate: readonly ItemScore[],
  champion: readonly ItemScore[],
  options: BootstrapOptions = {},
): PairedComparison {
  const { pairs, unpaired } = pairScores(candidate, champion);
  if (pairs.length === 0) throw new RangeError("no item was scored by both judges");
  const groups = [...groupByCategory(pairs)];
  const resampled = bootstrapStratumMeans(
    groups.map(([, group]) => group.map((p) => p.candidate - p.champion)),
    options,
  );
  // A resample's micro difference weights each category's mean by its (fixed) size.
  const micro = (means: Float64Array) =>
    sum(groups.map(([, group], s) => group.length * means[s]!)) / pairs.length;
  const categories = categoryDifferences(groups, resampled);
  const perCategory = Object.values(categories);
  const overall = accuracies(pairs);
  const b = pairs.filter((p) => p.candidate > p.champion).length;
  const c = pairs.filter((p) => p.candidate < p.champion).length;
  return {
    items: pairs.length,
    unpaired,
    overall: pairedDifference(overall.candidate, overall.champion, resampled.map(micro)),
    macro: pairedDifference(
      mean(perCategory.map((category) => category.candidate)),
      mean(perCategory.map((category) => category.champion)),
      resampled.map(mean),
    ),
    categories,
    mcnemar: { b, c, p_value: mcnemarExactPValue(b, c) },
  };
}

function accuracies(pairs: readonly Pair[]) {
  return {
    candidate: mean(pairs.map((p) => p.candidate)),
    champion: mean(pairs.map((p) => p.champion)),
  };
}
