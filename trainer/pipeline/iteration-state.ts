import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { IterationStage } from "./iteration-context.ts";
import { writeFileAtomic } from "./record-journal.ts";

/** `state.json` of one iteration: which stages completed, and the candidate it registered. */
export interface IterationState {
  iteration: number;
  completed: IterationStage[];
  candidate: string | null;
  updatedAt: string;
}

/** The directory of iteration `n` under `<data dir>/trainer`. */
export function iterationDir(trainerDir: string, n: number): string {
  return join(trainerDir, `iteration-${n}`);
}

/** An iteration's state; a fresh one when it has none yet. */
export async function readIterationState(dir: string, n: number): Promise<IterationState> {
  try {
    return JSON.parse(await readFile(join(dir, "state.json"), "utf8")) as IterationState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    return { iteration: n, completed: [], candidate: null, updatedAt: new Date().toISOString() };
  }
}

export async function writeIterationState(dir: string, state: IterationState): Promise<void> {
  const next = { ...state, updatedAt: new Date().toISOString() };
  await writeFileAtomic(join(dir, "state.json"), `${JSON.stringify(next, null, 2)}\n`);
}

/** Iteration numbers that have a directory, ascending. */
export async function knownIterations(trainerDir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(trainerDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return names
    .map((name) => /^iteration-(\d+)$/.exec(name)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/**
 * The iteration to run next: the first one that has not registered its candidate (an
 * interrupted run resumes), else one past the last.
 */
export async function nextIteration(trainerDir: string): Promise<number> {
  const known = await knownIterations(trainerDir);
  for (const n of known) {
    const state = await readIterationState(iterationDir(trainerDir, n), n);
    if (!state.completed.includes("register")) return n;
  }
  return (known.at(-1) ?? 0) + 1;
}
