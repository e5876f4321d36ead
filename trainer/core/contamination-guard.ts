/**
 * The contamination guard (PAPER.md): a prompt whose image or question matches a benchmark
 * item is never trained on. Images match by SHA-256 of their bytes (a re-encoded copy does
 * not match: that would need a perceptual hash); questions match after normalisation.
 */

/** One benchmark item as the index needs it. */
export interface BenchmarkItem {
  /** e.g. "vlrb", "mmrb". */
  benchmark: string;
  /** The item's key (VLRB ids repeat: use row index plus content hash). */
  id: string;
  question: string;
  /** Lower- or upper-case hex SHA-256s of the item's images. */
  imageSha256s: readonly string[];
}

export interface IndexOptions {
  /**
   * A normalised question shared by at least this many items is generic ("describe this
   * image") and matches only together with an image. Default: none, every question matches
   * (strict, as PAPER.md asks); set it when generic questions drop too much traffic.
   */
  genericQuestionMinItems?: number;
}

/** Benchmark image hashes and questions, each mapped to the first item ("benchmark:id") holding it. */
export interface ContaminationIndex {
  images: ReadonlyMap<string, string>;
  questions: ReadonlyMap<string, string>;
  /** Normalised questions left out as generic. */
  genericQuestions: number;
  items: number;
}

export type ContaminationReason = "image" | "question";

export type ContaminationCheck =
  | { contaminated: false }
  | { contaminated: true; reason: ContaminationReason; match: string };

/** What the guard reads of a prompt. */
export interface PromptContent {
  question: string;
  imageHashes: readonly string[];
}

/** Lower-case (NFKC), punctuation and symbols removed, whitespace collapsed. */
export function normaliseQuestion(question: string): string {
  return question
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, " ")
    .trim()
    .replace(/\s+/g, " ");
}

function questionCounts(items: readonly BenchmarkItem[]) {
  const counts = new Map<string, { first: string; count: number }>();
  for (const item of items) {
    const question = normaliseQuestion(item.question);
    if (question === "") continue;
    const seen = counts.get(question);
    counts.set(question, {
      first: seen?.first ?? `${item.benchmark}:${item.id}`,
      count: (seen?.count ?? 0) + 1,
    });
  }
  return counts;
}

/** Builds the index from benchmark items. */
export function buildContaminationIndex(
  items: readonly BenchmarkItem[],
  options: IndexOptions = {},
): ContaminationIndex {
  const images = new Map<string, string>();
  for (const item of items) {
    for (const hash of item.imageSha256s) {
      if (!images.has(hash.toLowerCase())) {
        images.set(hash.toLowerCase(), `${item.benchmark}:${item.id}`);
      }
    }
  }
  const limit = options.genericQuestionMinItems ?? Number.POSITIVE_INFINITY;
  const questions = new Map<string, string>();
  let genericQuestions = 0;
  for (const [question, { first, count }] of questionCounts(items)) {
    if (count >= limit) genericQuestions++;
    else questions.set(question, first);
  }
  return { images, questions, genericQuestions, items: items.length };
}

/** Tests one prompt: an image match first (the stronger evidence), then the question. */
export function checkContamination(
  index: ContaminationIndex,
  prompt: PromptContent,
): ContaminationCheck {
  for (const hash of prompt.imageHashes) {
    const match = index.images.get(hash.toLowerCase());
    if (match) return { contaminated: true, reason: "image", match };
  }
  const match = index.questions.get(normaliseQuestion(prompt.question));
  return match ? { contaminated: true, reason: "question", match } : { contaminated: false };
}

/** Prompts split into kept and dropped, with drops counted by reason. */
export interface GuardResult<T> {
  kept: T[];
  dropped: Array<{ prompt: T; reason: ContaminationReason; match: string }>;
  counts: Record<ContaminationReason, number>;
}

/** Applies the guard to a batch, keeping input order. */
export function guardPrompts<T extends PromptContent>(
  index: ContaminationIndex,
  prompts: readonly T[],
): GuardResult<T> {
  const result: GuardResult<T> = { kept: [], dropped: [], counts: { image: 0, question: 0 } };
  for (const prompt of prompts) {
    const check = checkContamination(index, prompt);
    if (!check.contaminated) result.kept.push(prompt);
    else {
      result.dropped.push({ prompt, reason: check.reason, match: check.match });
      result.counts[check.reason]++;
    }
  }
  return result;
}
