import { readFile } from "node:fs/promises";
import type { SimulatedWorld } from "../../src/runtime/embedded-parts.ts";
import type { Interval } from "../eval/confidence-intervals.ts";
import type { EvaluationReport } from "../eval/evaluation-report.ts";
import type { ItemScore } from "../eval/item-score.ts";
import { comparePaired } from "../eval/paired-comparison.ts";
import { readRecords } from "../io/record-journal.ts";
import type { JudgeRecord } from "../stages/judge-filter.ts";
import type { BenchmarkResult, LabelPrecision, PairedMacro, Range } from "./experiment-result.ts";

/**
 * What an experiment measures of an iteration, from the files the trainer wrote: label
 * precision (the world's truth, read here and nowhere in the pipeline), benchmark results
 * and paired differences against the base.
 */

const range = (ci: Interval | null | undefined): Range | null => (ci ? [ci.low, ci.high] : null);

/** A benchmark's report as experiment.json records it. */
export function benchmarkResult(report: EvaluationReport): BenchmarkResult {
  return {
    overall: report.overall.accuracy,
    macro: report.macro.accuracy,
    overall_ci: range(report.overall.ci),
    macro_ci: range(report.macro.ci),
    categories: Object.fromEntries(
      Object.entries(report.categories).map(([name, c]) => [
        name,
        { n: c.n, accuracy: c.accuracy, ci: range(c.ci) },
      ]),
    ) as BenchmarkResult["categories"],
  };
}

export async function readReport(path: string): Promise<EvaluationReport> {
  return JSON.parse(await readFile(path, "utf8")) as EvaluationReport;
}

/** This checkpoint's scores against the base's on the same items (macro and per category). */
export function pairedMacro(
  candidate: readonly ItemScore[],
  base: readonly ItemScore[],
): PairedMacro {
  const compared = comparePaired(candidate, base, { resamples: 2000 });
  return {
    macro_delta: compared.macro.difference,
    ci: range(compared.macro.ci)!,
    categories: Object.fromEntries(
      Object.entries(compared.categories).map(([name, c]) => [
        name,
        { delta: c.difference, ci: range(c.ci)! },
      ]),
    ),
  };
}

/**
 * Label precision of an iteration's pairs, before the judge filter (the synthesized labels)
 * and after it (the labels trained on: reversed in the `flipped` arm), over the pairs the
 * world's truth separates; the share it does not (a rewrite that only rephrased, or erred in
 * a material no judge sees both ways) is reported beside each.
 */
export async function labelPrecision(
  judgeFile: string,
  world: SimulatedWorld,
  trainedFlipped: boolean,
): Promise<LabelPrecision | null> {
  const records = await readRecords<JudgeRecord>(judgeFile);
  if (records.length === 0) return null;
  const before: number[] = [];
  const after: number[] = [];
  for (const record of records) {
    const images = await Promise.all(record.imagePaths.map((path) => readFile(path)));
    const { question, chosen, rejected } = record.pair;
    const truth = world.labelTruth(question, images, chosen, rejected);
    before.push(truth);
    if (record.kept) after.push(trainedFlipped ? -truth : truth);
  }
  const precision = (truths: number[]) => {
    const decided = truths.filter((x) => x !== 0);
    return decided.length === 0 ? null : decided.filter((x) => x > 0).length / decided.length;
  };
  const tieShare = (truths: number[]) =>
    truths.length === 0 ? null : truths.filter((x) => x === 0).length / truths.length;
  return {
    before_filter: precision(before),
    after_filter: precision(after),
    ties_before_filter: tieShare(before),
    ties_after_filter: tieShare(after),
  };
}
