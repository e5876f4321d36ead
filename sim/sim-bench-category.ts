import { SIM_BENCH_CATEGORIES, SIM_BENCH_TEMPLATES } from "./sim-bench-questions.ts";

const normaliseText = (text: string) => text.trim().replace(/\s+/g, " ");

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A template as an anchored pattern: fixed words literal, each placeholder any text. */
function templatePattern(text: string): RegExp {
  const parts = text.split(/\{\w+\}/).map(escapeRegExp);
  return new RegExp(`^${parts.join(".+?")}$`, "s");
}

const PATTERNS = SIM_BENCH_TEMPLATES.map((t) => ({
  category: t.category,
  pattern: templatePattern(t.text),
}));

/**
 * The category of a simulated benchmark question, as the benchmark loaders name it
 * ("hallucination", "reasoning/math", "synthetic", …), read from the template it was made
 * from; null for any other question (live traffic, seed prompts, real benchmarks).
 */
export function simBenchCategory(question: string): string | null {
  const text = normaliseText(question);
  return PATTERNS.find((p) => p.pattern.test(text))?.category ?? null;
}

/**
 * Keys a per-category accuracy may use: every simulated category, and each group a split
 * category belongs to ("reasoning" covers "reasoning/math" and "reasoning/coding").
 */
export const CATEGORY_ACCURACY_KEYS: ReadonlySet<string> = new Set(
  Object.values(SIM_BENCH_CATEGORIES)
    .flat()
    .flatMap((category) => [category, category.split("/")[0]!]),
);

/** Why a per-category accuracy table is unusable, or null when it is fine. */
export function categoryAccuracyProblem(table: Record<string, unknown>): string | null {
  for (const [key, value] of Object.entries(table)) {
    if (!CATEGORY_ACCURACY_KEYS.has(key)) {
      return `unknown category '${key}' (known: ${[...CATEGORY_ACCURACY_KEYS].join(", ")})`;
    }
    if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
      return `accuracy of '${key}' must be a number in [0, 1]`;
    }
  }
  return null;
}
