import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { EquivalentMutant, MutationThresholds } from "./mutation-scores.ts";

/** The named exports of stryker.config.mjs beside Stryker's own options. */
export interface MutationConfig {
  mutatedModules: string[];
  mutationTestFiles: string[];
  mutationThresholds: MutationThresholds;
  equivalentMutants: EquivalentMutant[];
}

export const REPOSITORY_ROOT = resolve(import.meta.dirname, "..");

/** stryker.config.mjs, typed (the file is JavaScript because Stryker 9 loads it as such). */
export async function loadMutationConfig(): Promise<MutationConfig> {
  const url = pathToFileURL(resolve(REPOSITORY_ROOT, "stryker.config.mjs")).href;
  return (await import(url)) as MutationConfig;
}
