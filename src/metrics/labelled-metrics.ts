import {
  Counter,
  type CounterConfiguration,
  Histogram,
  type HistogramConfiguration,
} from "prom-client";

/** Label names to their values; the unions in each `L` keep a metric's series bounded. */
export type Labels = Record<string, string>;

/** A counter whose label values are checked at compile time, so its series stay bounded. */
export interface LabelledCounter<L extends Labels> {
  inc(labels: L, value?: number): void;
  /** Drops one label set's series (a replica that left the fleet). */
  remove(labels: L): void;
}

/** A histogram whose label values are checked at compile time. */
export interface LabelledHistogram<L extends Labels> {
  observe(labels: L, value: number): void;
}

/** A prom-client counter behind `LabelledCounter<L>`. */
export function counter<L extends Labels>(
  config: CounterConfiguration<keyof L & string>,
): LabelledCounter<L> {
  return new Counter(config);
}

/** A prom-client histogram behind `LabelledHistogram<L>`. */
export function histogram<L extends Labels>(
  config: HistogramConfiguration<keyof L & string>,
): LabelledHistogram<L> {
  return new Histogram(config);
}

/**
 * Creates each series of `counter` at 0. A counter first seen at its first event makes
 * dashboards and alerts read "no data" (and `rate()` miss that event) until then.
 */
export function zeroed<L extends Labels>(
  counter: LabelledCounter<L>,
  labelSets: readonly L[],
): LabelledCounter<L> {
  for (const labels of labelSets) counter.inc(labels, 0);
  return counter;
}
