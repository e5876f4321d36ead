import type { QuestionClass, QuestionKind } from "./question-classifier.ts";

/**
 * The run manifest (PAPER.md: retention per iteration and question type, and skip reasons,
 * always recorded): a pure accumulator the stages feed and `toJSON()` reports. Rates are
 * null, never 0, when their denominator is 0.
 */

/**
 * Pipeline stages in order. The first three count prompts before classification; the
 * rest count per question kind: prompts entering synthesis, pairs made, pairs judged,
 * pairs kept by the filter, examples written (after balancing).
 */
export const STAGES = [
  "intake",
  "uncontaminated",
  "train_split",
  "prompts",
  "pairs",
  "judged",
  "kept",
  "examples",
] as const;
export type Stage = (typeof STAGES)[number];

/** A count in total and per question kind (kinds sum to at most the total). */
export interface KindCounts {
  total: number;
  closed: number;
  open: number;
}

/** Stage-to-stage yields for one question kind. */
export interface Retention {
  pairsPerPrompt: number | null;
  judgedPerPair: number | null;
  keptPerJudged: number | null;
  examplesPerKept: number | null;
  /** Kept pairs per prompt: the recipe and filter together. */
  keptPerPrompt: number | null;
}

export interface ManifestJSON {
  meta: Record<string, unknown>;
  stages: Record<Stage, KindCounts>;
  retention: Record<QuestionKind | "total", Retention>;
  /** Skips by stage, then reason. */
  skips: Record<string, Record<string, KindCounts>>;
  /** Classifications by kind, then rule. */
  rules: Record<QuestionKind, Record<string, number>>;
}

const zero = (): KindCounts => ({ total: 0, closed: 0, open: 0 });

function add(counts: KindCounts, kind: QuestionKind | undefined, n: number): void {
  counts.total += n;
  if (kind) counts[kind] += n;
}

function rate(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

function retention(stages: Record<Stage, KindCounts>, key: QuestionKind | "total"): Retention {
  const at = (stage: Stage) => stages[stage][key];
  return {
    pairsPerPrompt: rate(at("pairs"), at("prompts")),
    judgedPerPair: rate(at("judged"), at("pairs")),
    keptPerJudged: rate(at("kept"), at("judged")),
    examplesPerKept: rate(at("examples"), at("kept")),
    keptPerPrompt: rate(at("kept"), at("prompts")),
  };
}

function copyStages(stages: Record<Stage, KindCounts>): Record<Stage, KindCounts> {
  return Object.fromEntries(STAGES.map((s) => [s, { ...stages[s] }])) as Record<Stage, KindCounts>;
}

function skipsJSON(skips: Map<string, Map<string, KindCounts>>): ManifestJSON["skips"] {
  return Object.fromEntries(
    [...skips].map(([stage, reasons]) => [
      stage,
      Object.fromEntries([...reasons].map(([reason, counts]) => [reason, { ...counts }])),
    ]),
  );
}

/**
 * A new manifest. `meta` (iteration, seed, template and generator prompt versions, the
 * options chosen for every open question of the method) is copied (at creation) into every report.
 */
export function createManifest(meta: Record<string, unknown> = {}) {
  const metaCopy = structuredClone(meta);
  const stages = Object.fromEntries(STAGES.map((s) => [s, zero()])) as Record<Stage, KindCounts>;
  const skips = new Map<string, Map<string, KindCounts>>();
  const rules: Record<QuestionKind, Map<string, number>> = { closed: new Map(), open: new Map() };
  return {
    /** Counts `n` items reaching a stage, per kind when known. */
    count(stage: Stage, kind?: QuestionKind, n = 1): void {
      add(stages[stage], kind, n);
    },
    /** Counts `n` items a stage dropped, by reason (e.g. "synthesis", "tie"). */
    skip(stage: string, reason: string, kind?: QuestionKind, n = 1): void {
      const reasons = skips.get(stage) ?? new Map<string, KindCounts>();
      skips.set(stage, reasons);
      const counts = reasons.get(reason) ?? zero();
      reasons.set(reason, counts);
      add(counts, kind, n);
    },
    /** Counts a classification by the rule that fired. */
    classified(cls: QuestionClass): void {
      rules[cls.kind].set(cls.rule, (rules[cls.kind].get(cls.rule) ?? 0) + 1);
    },
    /** A JSON-ready snapshot; later counts do not change it. */
    toJSON(): ManifestJSON {
      const copy = copyStages(stages);
      const kinds = ["closed", "open", "total"] as const;
      return {
        meta: structuredClone(metaCopy),
        stages: copy,
        retention: Object.fromEntries(
          kinds.map((k) => [k, retention(copy, k)]),
        ) as ManifestJSON["retention"],
        skips: skipsJSON(skips),
        rules: { closed: Object.fromEntries(rules.closed), open: Object.fromEntries(rules.open) },
      };
    },
  };
}

/** The manifest accumulator's type. */
export type Manifest = ReturnType<typeof createManifest>;
