import { type Interval, percentileInterval, wilsonInterval } from "./confidence-intervals.ts";
import type { ItemScore } from "./item-score.ts";
import {
  type BootstrapOptions,
  bootstrapStratumMeans,
  groupByCategory,
} from "./stratified-bootstrap.ts";

/** An accuracy with its 95% interval; both null when no item counted. */
export interface AccuracyEstimate {
  accuracy: number | null;
  ci: Interval | null;
}

export interface CategoryReport extends AccuracyEstimate {
  /** Items counted in the accuracy (excluded items are not). */
  n: number;
}

/** One judge on one benchmark; field names are the report's JSON keys. */
export interface EvalReport {
  /** Items judged, counted or not. */
  items: number;
  /** Micro accuracy over counted items; Wilson interval. */
  overall: AccuracyEstimate;
  /** Mean of the category accuracies; interval from a category-stratified bootstrap. */
  macro: AccuracyEstimate;
  /** Share of items with both orders parsed whose orders agree (`ItemScore.consistent`). */
  consistency: number | null;
  /** Share of all judged orders (two per item) whose output could not be parsed. */
  invalid_rate: number | null;
  /** By lower-case category name, in name order; Wilson intervals. */
  categories: Record<string, CategoryReport>;
}

const sum = (values: ArrayLike<number>) => Array.from(values).reduce((a, b) => a + b, 0);
const mean = (values: ArrayLike<number>) => sum(values) / values.length;

function estimate(values: readonly number[]): AccuracyEstimate {
  if (values.length === 0) return { accuracy: null, ci: null };
  return { accuracy: mean(values), ci: wilsonInterval(sum(values), values.length) };
}

function macroEstimate(strata: readonly number[][], options: BootstrapOptions): AccuracyEstimate {
  if (strata.length === 0) return { accuracy: null, ci: null };
  return {
    accuracy: mean(strata.map(mean)),
    ci: percentileInterval(bootstrapStratumMeans(strata, options).map(mean)),
  };
}

function rate(hits: number, total: number): number | null {
  return total === 0 ? null : hits / total;
}

/**
 * The report of one judge's item scores. A category whose items were all excluded still
 * appears (n 0, accuracy null) and does not enter the macro mean.
 */
export function buildEvalReport(
  scores: readonly ItemScore[],
  options: BootstrapOptions = {},
): EvalReport {
  const categories: Record<string, CategoryReport> = {};
  const strata: number[][] = [];
  for (const [name, group] of groupByCategory(scores)) {
    const values = group.flatMap((s) => (s.accuracy === null ? [] : [s.accuracy]));
    categories[name] = { n: values.length, ...estimate(values) };
    if (values.length > 0) strata.push(values);
  }
  const bothParsed = scores.filter((s) => s.consistent !== null);
  return {
    items: scores.length,
    overall: estimate(strata.flat()),
    macro: macroEstimate(strata, options),
    consistency: rate(bothParsed.filter((s) => s.consistent).length, bothParsed.length),
    invalid_rate: rate(sum(scores.map((s) => s.invalidOrders)), 2 * scores.length),
    categories,
  };
}
