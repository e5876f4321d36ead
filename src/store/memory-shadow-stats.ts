import {
  emptyShadowCounts,
  type ShadowCounts,
  type ShadowStats,
  shadowIncrements,
} from "./shadow-stats.ts";

/** Shadow counts in this process: the embedded default, one gateway. */
export function createMemoryShadowStats(): ShadowStats {
  let target: string | null = null;
  const all = new Map<string, ShadowCounts>();
  return {
    target: async () => target,
    async setTarget(id) {
      target = id;
    },
    async record(candidate, outcome) {
      const counts = all.get(candidate) ?? emptyShadowCounts();
      for (const [field, by] of Object.entries(shadowIncrements(outcome))) {
        counts[field as keyof ShadowCounts] += by;
      }
      all.set(candidate, counts);
    },
    counts: async (candidate) => ({ ...(all.get(candidate) ?? emptyShadowCounts()) }),
  };
}
