import { simBenchCategory } from "./sim-bench-category.ts";
import type { JudgeParams } from "./world/judge.ts";
import { uniformSkills } from "./world/skills.ts";

/** How one served model (base or LoRA adapter) judges. */
export interface JudgeProfile {
  params: JudgeParams;
  /**
   * Accuracy on the items of one simulated benchmark category, overriding every skill there,
   * so a gate guarding one category can be seen to catch a checkpoint weak only in it. Keys
   * are the loaders' category names ("hallucination", "reasoning/math") or a split category's
   * group ("reasoning" covers "reasoning/math" and "reasoning/coding"); the exact name wins.
   * Only questions of `jurist sim make-bench` have a category (see `simBenchCategory`).
   */
  categoryAccuracy?: Readonly<Record<string, number>>;
}

/** The parameters `profile` judges `question` with: its category's override, else its own. */
export function paramsFor(profile: JudgeProfile, question: string): JudgeParams {
  const table = profile.categoryAccuracy;
  if (!table || Object.keys(table).length === 0) return profile.params;
  const category = simBenchCategory(question);
  if (!category) return profile.params;
  for (const key of [category, category.split("/")[0]!]) {
    if (Object.hasOwn(table, key)) return { ...profile.params, skills: uniformSkills(table[key]!) };
  }
  return profile.params;
}
